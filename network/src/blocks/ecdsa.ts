// ECDSA signature verification with Fabric's rules (fabric-lib-go bccsp/sw and bccsp/utils):
// SHA-256 digest, signature a DER SEQUENCE { INTEGER r, INTEGER s } with r, s > 0, and s in the
// low half of the curve order. A high-S signature (the malleable twin of a valid one) is refused.
// Signing the way Fabric's signer does (low-S, DER) lives here too, for devnet and the gateway.
import { sign, verify, type KeyObject } from 'node:crypto';

/** Curve order n of the curves Fabric's software BCCSP accepts, by Node's curve name. */
const CURVE_ORDER: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
const CURVE_BYTES: Record<string, number> = { prime256v1: 32, secp384r1: 48 };

export class SignatureError extends Error {
  override name = 'SignatureError';
}

/** Reads one DER element at `at`; returns its tag, content and the offset after it. */
function readDer(buf: Uint8Array, at: number): { tag: number; content: Uint8Array; end: number } {
  if (at + 2 > buf.length) throw new SignatureError('truncated DER');
  const tag = buf[at];
  let len = buf[at + 1];
  let pos = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || pos + n > buf.length) throw new SignatureError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    if (len < 0x80 || (n === 2 && len < 0x100)) throw new SignatureError('non-minimal DER length');
    pos += n;
  }
  if (pos + len > buf.length) throw new SignatureError('truncated DER');
  return { tag, content: buf.subarray(pos, pos + len), end: pos + len };
}

function readPositiveInteger(content: Uint8Array): bigint {
  if (content.length === 0) throw new SignatureError('empty INTEGER');
  if (content[0] & 0x80) throw new SignatureError('negative INTEGER');
  if (content.length > 1 && content[0] === 0 && !(content[1] & 0x80)) {
    throw new SignatureError('non-minimal INTEGER');
  }
  const value = BigInt(`0x${Buffer.from(content).toString('hex')}`);
  if (value === 0n) throw new SignatureError('signature component must be larger than zero');
  return value;
}

/** r and s of a DER ECDSA signature (strict DER: nothing after the SEQUENCE). */
export function parseEcdsaSignature(signature: Uint8Array): { r: bigint; s: bigint } {
  const seq = readDer(signature, 0);
  if (seq.tag !== 0x30 || seq.end !== signature.length)
    throw new SignatureError('not a DER SEQUENCE');
  const r = readDer(seq.content, 0);
  const s = readDer(seq.content, r.end);
  if (r.tag !== 0x02 || s.tag !== 0x02 || s.end !== seq.content.length) {
    throw new SignatureError('not SEQUENCE { INTEGER, INTEGER }');
  }
  return { r: readPositiveInteger(r.content), s: readPositiveInteger(s.content) };
}

function encodeInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** DER SEQUENCE { INTEGER r, INTEGER s } (short-form lengths: P-256 and P-384 sizes). */
export function encodeEcdsaSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([encodeInteger(r), encodeInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** The curve order of an EC key Fabric accepts; SignatureError for any other key. */
function curveOrder(key: KeyObject): bigint {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || !curve || !CURVE_ORDER[curve]) {
    throw new SignatureError(`unsupported key type ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
  }
  return CURVE_ORDER[curve];
}

/** A DER signature by `key` with S moved to the low half of the order, as Fabric's signer makes it. */
export function toLowS(key: KeyObject, der: Uint8Array): Buffer {
  const n = curveOrder(key);
  const { r, s } = parseEcdsaSignature(der);
  return s > n >> 1n ? encodeEcdsaSignature(r, n - s) : Buffer.from(der);
}

/** Fabric's signature of `data`: ECDSA over SHA-256(data), DER, low S (P-256 or P-384 key). */
export function signEcdsaLowS(key: KeyObject, data: Uint8Array): Buffer {
  return toLowS(key, sign('sha256', data, { key, dsaEncoding: 'der' }));
}

function toFixed(value: bigint, bytes: number): Buffer {
  const hex = value.toString(16).padStart(bytes * 2, '0');
  if (hex.length > bytes * 2) throw new SignatureError('signature component too large');
  return Buffer.from(hex, 'hex');
}

/**
 * Whether `signature` is a valid low-S ECDSA signature of SHA-256(data) by `key`.
 * Throws SignatureError for a malformed or high-S signature or an unsupported key; returns false
 * when the signature is well-formed but does not verify.
 */
export function verifyEcdsa(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const n = curveOrder(key);
  const curve = key.asymmetricKeyDetails!.namedCurve!;
  const { r, s } = parseEcdsaSignature(signature);
  if (r >= n || s >= n) throw new SignatureError('signature component not below the curve order');
  if (s > n >> 1n) throw new SignatureError('Invalid S. Must be smaller than half the order');
  const size = CURVE_BYTES[curve];
  const raw = Buffer.concat([toFixed(r, size), toFixed(s, size)]);
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, raw);
}
