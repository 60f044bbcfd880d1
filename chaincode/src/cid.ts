// Structural check of an IPFS content identifier: CIDv0 (base58btc sha2-256 multihash, "Qm...")
// or CIDv1 in base32 ("b...") or base58btc ("z..."): version 1, a known codec, and a multihash
// whose length byte matches its digest. Hand-written because the maintained CID library
// (multiformats) is ESM-only and the chaincode should stay small and synchronous.

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

const CODECS = new Set([
  0x55 /* raw */, 0x70 /* dag-pb */, 0x71 /* dag-cbor */, 0x0129 /* dag-json */,
]);
/** multihash function code → digest length */
const HASHES = new Map([
  [0x12, 32], // sha2-256
  [0x13, 64], // sha2-512
  [0x1e, 32], // blake3
  [0xb220, 32], // blake2b-256
]);

function decodeBase58(text: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of text) {
    const v = BASE58.indexOf(ch);
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

function decodeBase32(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero padding (a canonical encoding).
  if (bits >= 5 || (buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return Uint8Array.from(bytes);
}

/** Reads an unsigned varint (at most 4 bytes here); undefined when malformed. */
function varint(bytes: Uint8Array, at: number): [value: number, next: number] | undefined {
  let value = 0;
  for (let i = 0; i < 4 && at + i < bytes.length; i++) {
    const b = bytes[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  return undefined;
}

function isMultihash(bytes: Uint8Array, at: number): boolean {
  const code = varint(bytes, at);
  if (!code) return false;
  const len = varint(bytes, code[1]);
  if (!len) return false;
  return HASHES.get(code[0]) === len[0] && bytes.length - len[1] === len[0];
}

export function isCid(text: string): boolean {
  if (text.length < 46 || text.length > 128) return false;
  if (text.startsWith('Qm')) {
    const bytes = text.length === 46 ? decodeBase58(text) : undefined;
    return !!bytes && bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20;
  }
  const body = text.slice(1);
  const bytes =
    text[0] === 'b' ? decodeBase32(body) : text[0] === 'z' ? decodeBase58(body) : undefined;
  if (!bytes) return false;
  const version = varint(bytes, 0);
  if (!version || version[0] !== 1) return false;
  const codec = varint(bytes, version[1]);
  if (!codec || !CODECS.has(codec[0])) return false;
  return isMultihash(bytes, codec[1]);
}
