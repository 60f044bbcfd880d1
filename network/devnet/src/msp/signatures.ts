// Signature checks off the main thread, each computed once. ECDSA is most of devnet's CPU, and
// in this one process the same signature is often checked more than once: the creator's
// envelope signature by the orderer at broadcast and again by the committer, a proposal by each
// organisation's endorser, an endorsement by the committer right after this process made it.
// The verification runs in libuv's thread pool (so it uses the other cores and the event loop
// keeps serving), and its answer is remembered by (signer's certificate, SHA-256 of the message,
// signature): a pure function of those bytes, so every check Fabric makes is still made and
// gets the answer its own computation would give. A signature this process made with a key
// proven to match its certificate is remembered as valid when it is made.
import { SignatureError, sha256, verifyEcdsaAsync } from './ecdsa';
import type { ParsedCertificate } from './certificate';

// About five signatures per transaction: the last ~2,000 transactions, seconds at full load.
const MAX_REMEMBERED = 10_000;
const remembered = new Map<string, Promise<boolean>>();

function keyOf(cert: ParsedCertificate, message: Uint8Array, signature: Uint8Array): string {
  return `${cert.hash}:${sha256(message).toString('base64')}:${Buffer.from(signature).toString('base64')}`;
}

function remember(key: string, result: Promise<boolean>): void {
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, result);
}

/**
 * Whether `signature` is a valid low-S ECDSA signature over `message` by the certificate's key
 * (false for a malformed or high-S one, as Identity.verify).
 */
export function verifySignature(
  cert: ParsedCertificate,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const key = keyOf(cert, message, signature);
  const known = remembered.get(key);
  if (known) return known;
  let result: Promise<boolean>;
  try {
    result = verifyEcdsaAsync(cert.publicKey, message, signature);
  } catch (err) {
    if (!(err instanceof SignatureError)) throw err;
    result = Promise.resolve(false);
  }
  remember(key, result);
  // An I/O-like failure of the thread pool is not an answer: it is not kept.
  result.catch(() => remembered.delete(key));
  return result;
}

/** Records a signature this process just made with the certificate's own key. */
export function rememberOwnSignature(
  cert: ParsedCertificate,
  message: Uint8Array,
  signature: Uint8Array,
): void {
  remember(keyOf(cert, message, signature), Promise.resolve(true));
}
