// The block header hash as Fabric computes it (protoutil.BlockHeaderBytes/BlockHeaderHash):
// SHA-256 over the DER encoding of SEQUENCE { INTEGER number, OCTET STRING previous_hash,
// OCTET STRING data_hash }. The anchor contract records this hash, and each header's
// previous_hash is the hash of the header before it, so this is what chains the ledger.
import { createHash } from 'node:crypto';

export interface HeaderFields {
  number: bigint | number;
  previousHash: Uint8Array;
  dataHash: Uint8Array;
}

/** A DER length: short form below 128, long form (0x80 | byte count, big-endian) above. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derElement(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** A non-negative INTEGER's minimal two's-complement content (a leading 0 if the top bit is set). */
function derUnsigned(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('block number must not be negative');
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** The DER bytes Fabric hashes (and signs, inside block signatures). */
export function blockHeaderBytes(header: HeaderFields): Buffer {
  const number = BigInt(header.number);
  if (number > 0xffffffffffffffffn) throw new RangeError('block number exceeds uint64');
  return derElement(
    0x30,
    Buffer.concat([
      derElement(0x02, derUnsigned(number)),
      derElement(0x04, header.previousHash),
      derElement(0x04, header.dataHash),
    ]),
  );
}

export function blockHeaderHash(header: HeaderFields): Buffer {
  return createHash('sha256').update(blockHeaderBytes(header)).digest();
}
