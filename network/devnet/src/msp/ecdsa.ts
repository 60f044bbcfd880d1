// ECDSA for devnet's identities. Verification is the project's one implementation of Fabric's
// rules (@ehr/network blocks/ecdsa: SHA-256, strict DER, low-S); this module adds signing,
// which always yields low-S signatures as Fabric's signer does, and both in libuv's thread pool
// (verifyEcdsaAsync checks a P-256 signature's form with the same parser and bounds first).
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import {
  encodeEcdsaSignature,
  parseEcdsaSignature,
  signEcdsaLowS,
  SignatureError,
  toLowS,
  verifyEcdsa,
} from '@ehr/network';

export { encodeEcdsaSignature, parseEcdsaSignature, SignatureError, verifyEcdsa };

/** Order of the P-256 group. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export function isLowS(s: bigint): boolean {
  return s <= P256_N >> 1n;
}

/** Signs SHA-256(message) and normalises the signature to low-S. */
export const signLowS = signEcdsaLowS;

/** signLowS in libuv's thread pool (the main thread stays free for requests). */
export function signLowSAsync(privateKey: KeyObject, message: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }, (err, der) => {
      if (err) reject(err);
      else resolve(toLowS(privateKey, der));
    }),
  );
}

/**
 * verifyEcdsa with the curve arithmetic in libuv's thread pool. The signature's form is checked
 * first, on the calling thread, by verifyEcdsa's own rules (strict DER, 0 < r, s < n, low-S):
 * for a P-256 key here; any other key is verified by verifyEcdsa itself.
 * Throws SignatureError like verifyEcdsa; resolves false when the signature does not verify.
 */
export function verifyEcdsaAsync(
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return Promise.resolve(verifyEcdsa(key, data, signature));
  }
  const { r, s } = parseEcdsaSignature(signature);
  if (r >= P256_N || s >= P256_N)
    throw new SignatureError('signature component not below the curve order');
  if (!isLowS(s)) throw new SignatureError('Invalid S. Must be smaller than half the order');
  return new Promise((resolve, reject) =>
    verify('sha256', data, { key, dsaEncoding: 'der' }, signature, (err, ok) => {
      if (err) reject(err);
      else resolve(ok);
    }),
  );
}

/** The high-S twin of a P-256 signature (valid for plain ECDSA, refused by Fabric); for tests. */
export function toHighS(signature: Uint8Array): Buffer {
  const { r, s } = parseEcdsaSignature(signature);
  return encodeEcdsaSignature(r, isLowS(s) ? P256_N - s : s);
}

export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
