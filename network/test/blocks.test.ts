import 'reflect-metadata';
import { createHash, generateKeyPairSync, sign, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { common, msp } from '@hyperledger/fabric-protos';
import {
  blockDataHash,
  blockHeaderBytes,
  blockHeaderHash,
  headerHashOf,
  MalformedBlockError,
  parseEcdsaSignature,
  SignatureError,
  verifyBlockLink,
  verifyBlockSignatures,
  verifyEcdsa,
} from '../src/blocks';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function envelope(payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const env = new common.Envelope();
  env.setPayload(payload);
  env.setSignature(signature);
  return env.serializeBinary();
}

function toDer(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let b = Buffer.from(hex, 'hex');
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('block header hash', () => {
  // Vectors produced by Go's encoding/asn1 with Fabric's asn1Header struct.
  it.each([
    [
      0n,
      '',
      '',
      '300702010004000400',
      '1d1c288c6851505be0b47a0f8e7dfb91ab2abe6ad71cef63a3791d14588d1d0e',
    ],
    [
      1n,
      '010203',
      'ff',
      '300b02010104030102030401ff',
      '5e52e87ddf06777a5948688e0c27175f5ba9c3452153d76a0b3b25acf65029b8',
    ],
    [
      128n,
      '00'.repeat(32),
      '00'.repeat(32),
      `3048020200800420${'00'.repeat(32)}0420${'00'.repeat(32)}`,
      'c27767b427898d8d4193098c5eb3584a44e19eaa2dfe84e83df348ef21d7f192',
    ],
    [
      2n ** 64n - 1n,
      '00'.repeat(200),
      '07',
      `3081d9020900ffffffffffffffff0481c8${'00'.repeat(200)}040107`,
      'aa5f9128424cce8114cb9f9f6d049bc2e68c6ba6ad674fbeacd5ab7c00789338',
    ],
  ])('block %s encodes as Go does', (number, prev, data, der, hash) => {
    const header = {
      number,
      previousHash: Buffer.from(prev, 'hex'),
      dataHash: Buffer.from(data, 'hex'),
    };
    expect(blockHeaderBytes(header).toString('hex')).toBe(der);
    expect(blockHeaderHash(header).toString('hex')).toBe(hash);
  });

  it('refuses numbers outside uint64', () => {
    expect(() =>
      blockHeaderBytes({
        number: 2n ** 64n,
        previousHash: Buffer.alloc(0),
        dataHash: Buffer.alloc(0),
      }),
    ).toThrow(RangeError);
  });
});

describe('block data hash', () => {
  const good = envelope(Buffer.from('payload'), Buffer.from('sig'));

  it('hashes the concatenated envelopes', () => {
    const other = envelope(Buffer.from('second'), Buffer.from('sig2'));
    const expected = createHash('sha256')
      .update(Buffer.concat([good, other]))
      .digest();
    expect(blockDataHash([good, other])).toEqual(expected);
  });

  it('refuses an empty block, trailing bytes, unknown fields, no payload, no signature', () => {
    expect(() => blockDataHash([])).toThrow(MalformedBlockError);
    // A repeated field 1 parses (last one wins) but does not re-marshal to the same bytes.
    const dup = Buffer.concat([Buffer.from([0x0a, 0x01, 0x41]), good]);
    expect(() => blockDataHash([dup])).toThrow(/does not match its raw form|trailing/);
    const unknown = Buffer.concat([good, Buffer.from([0x18, 0x01])]); // field 3 varint
    expect(() => blockDataHash([unknown])).toThrow(/trailing bytes/);
    expect(() => blockDataHash([envelope(new Uint8Array(), Buffer.from('s'))])).toThrow(
      /no payload/,
    );
    expect(() => blockDataHash([envelope(Buffer.from('p'), new Uint8Array())])).toThrow(
      /no signature/,
    );
    expect(() => blockDataHash([Buffer.from([0xff, 0xff])])).toThrow(/is invalid/);
  });

  it('exempts a block holding exactly one config envelope', () => {
    const ch = new common.ChannelHeader();
    ch.setType(common.HeaderType.CONFIG);
    const header = new common.Header();
    header.setChannelHeader(ch.serializeBinary());
    const payload = new common.Payload();
    payload.setHeader(header);
    const config = Buffer.concat([
      envelope(payload.serializeBinary(), new Uint8Array()),
      Buffer.from([0x18, 0x01]),
    ]);
    expect(() => blockDataHash([config])).not.toThrow();
    expect(() => blockDataHash([config, good])).toThrow(MalformedBlockError);
  });
});

describe('ECDSA with Fabric rules', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from('message');

  it('accepts a low-S signature and refuses its high-S twin', () => {
    const { r, s } = parseEcdsaSignature(sign('sha256', data, privateKey));
    const low = s > P256_N / 2n ? P256_N - s : s;
    expect(verifyEcdsa(publicKey, data, toDer(r, low))).toBe(true);
    expect(() => verifyEcdsa(publicKey, data, toDer(r, P256_N - low))).toThrow(/half the order/);
    expect(verifyEcdsa(publicKey, Buffer.from('other'), toDer(r, low))).toBe(false);
  });

  it('refuses malformed DER', () => {
    const sig = sign('sha256', data, privateKey);
    expect(() => verifyEcdsa(publicKey, data, Buffer.concat([sig, Buffer.from([0])]))).toThrow(
      SignatureError,
    );
    expect(() => verifyEcdsa(publicKey, data, toDer(0n, 1n))).toThrow(/larger than zero/);
    expect(() => verifyEcdsa(publicKey, data, Buffer.from([0x30, 0x00]))).toThrow(SignatureError);
  });
});

describe('block signatures and chain', () => {
  async function ordererIdentity() {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=orderer0',
      notBefore: new Date(Date.now() - 60000),
      notAfter: new Date(Date.now() + 3600000),
      signingAlgorithm: alg,
      keys,
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const id = new msp.SerializedIdentity();
    id.setMspid('OrdererMSP');
    id.setIdBytes(Buffer.from(cert.toString('pem')));
    return {
      creator: id.serializeBinary(),
      key: { key: pkcs8, format: 'der' as const, type: 'pkcs8' as const },
    };
  }

  async function signedBlock(number: number, previousHash: Uint8Array, data: Uint8Array[]) {
    const { creator, key } = await ordererIdentity();
    const block = new common.Block();
    const header = new common.BlockHeader();
    header.setNumber(number);
    header.setPreviousHash(previousHash);
    header.setDataHash(blockDataHash(data));
    block.setHeader(header);
    const bd = new common.BlockData();
    bd.setDataList(data);
    block.setData(bd);
    const sigHeader = new common.SignatureHeader();
    sigHeader.setCreator(creator);
    sigHeader.setNonce(Buffer.from('nonce'));
    const value = new common.OrdererBlockMetadata().serializeBinary();
    const toSign = Buffer.concat([
      value,
      sigHeader.serializeBinary(),
      blockHeaderBytes({ number, previousHash, dataHash: header.getDataHash_asU8() }),
    ]);
    const { r, s: raw } = parseEcdsaSignature(sign('sha256', toSign, key));
    const s = raw > P256_N / 2n ? P256_N - raw : raw;
    const ms = new common.MetadataSignature();
    ms.setSignatureHeader(sigHeader.serializeBinary());
    ms.setSignature(toDer(r, s));
    const md = new common.Metadata();
    md.setValue(value);
    md.setSignaturesList([ms]);
    const bm = new common.BlockMetadata();
    bm.setMetadataList([
      md.serializeBinary(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
    ]);
    block.setMetadata(bm);
    return block;
  }

  it('verifies the orderer signature and detects a changed header', async () => {
    const block = await signedBlock(3, Buffer.alloc(32, 1), [
      envelope(Buffer.from('p'), Buffer.from('s')),
    ]);
    const signers = verifyBlockSignatures(block, (s) => s.mspId === 'OrdererMSP');
    expect(signers[0].certificate).toBeInstanceOf(X509Certificate);
    expect(() => verifyBlockSignatures(block, (s) => s.mspId === 'Other')).toThrow(
      /no signature by a trusted/,
    );
    block.getHeader()!.setNumber(4);
    expect(() => verifyBlockSignatures(block, () => true)).toThrow(/invalid signature/);
  });

  it('links blocks by header hash', async () => {
    const b0 = await signedBlock(0, new Uint8Array(), [
      envelope(Buffer.from('a'), Buffer.from('s')),
    ]);
    const h0 = verifyBlockLink(b0, undefined);
    expect(h0).toEqual(headerHashOf(b0));
    const b1 = await signedBlock(1, h0, [envelope(Buffer.from('b'), Buffer.from('s'))]);
    expect(verifyBlockLink(b1, h0)).toEqual(headerHashOf(b1));
    expect(() => verifyBlockLink(b1, Buffer.alloc(32))).toThrow(/previous hash/);
    b1.getData()!.setDataList([envelope(Buffer.from('c'), Buffer.from('s'))]);
    expect(() => verifyBlockLink(b1, h0)).toThrow(/data hash/);
  });
});
