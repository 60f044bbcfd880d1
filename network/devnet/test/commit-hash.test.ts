// The commit hash must be the one a Fabric peer computes. The vector was produced with Go's
// google.golang.org/protobuf (a dynamic txmgr.Updates message marshalled by proto.Marshal) and
// Fabric's order-preserving version encoding.
import {
  nextCommitHash,
  orderPreservingVarUint64,
  updateBatchBytes,
} from '../src/ledger/commit-hash';

const big = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
// Given out of order: the encoding sorts by namespace, then key.
const updates = [
  { ns: 'b', key: '\u0000x\u0000', state: { value: big }, version: { blockNum: 3n, txNum: 1 } },
  { ns: 'a', key: 'k2', version: { blockNum: 3n, txNum: 2 } },
  { ns: 'a', key: 'k1', state: { value: Buffer.from('v1') }, version: { blockNum: 3n, txNum: 0 } },
];

it('encodes the update batch as Fabric does', () => {
  expect(updateBatchBytes(updates).toString('hex')).toBe(
    '0a100a01611a026b312a02763132030103000a0c1a026b3220013204010301020abd020a01621a030078002aac02000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b320401030101',
  );
});

it('chains the commit hash over filter, updates and the previous hash', () => {
  const previous = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
  expect(nextCommitHash(Uint8Array.from([0, 11, 0]), updates, previous).toString('hex')).toBe(
    '1f1146d13320948a79ddf153791fb041d48289d312129a29bdc58da23f2d98ba',
  );
});

it('encodes versions order-preservingly', () => {
  expect(orderPreservingVarUint64(0n).toString('hex')).toBe('00');
  expect(orderPreservingVarUint64(255n).toString('hex')).toBe('01ff');
  expect(orderPreservingVarUint64(256n).toString('hex')).toBe('020100');
});
