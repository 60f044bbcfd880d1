// Wrapping a record's data key for a hospital: RSA-OAEP (SHA-256, MGF1-SHA-256) to the hospital's
// 3072-bit encryption key registered on the ledger (SPKI PEM). The OAEP label binds the wrapped
// key to its record id, so a wrapped key copied onto another record does not unwrap.
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const WRAP_ALGORITHM = 'RSA-OAEP-3072';
const MODULUS_BITS = 3072;

/** What a wrapped key opens: the record's data key, or the key of its remark alone. */
export type WrappedKeyPurpose = 'record' | 'remark';

// A wrapped key is bound to its record and purpose: a remark key cannot be passed off as a data key.
const label = (recordId: string, purpose: WrappedKeyPurpose = 'record') =>
  Buffer.from(`ehr-ledger/${purpose}-key/v1/${recordId}`, 'utf8');

export class KeyWrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyWrapError';
  }
}

function rsa3072Public(spkiPem: string): KeyObject {
  const key = createPublicKey(spkiPem);
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== MODULUS_BITS) {
    throw new KeyWrapError(`the hospital key is not ${WRAP_ALGORITHM}`);
  }
  return key;
}

/** Base64 of the data key (or remark key) encrypted to `spkiPem` for `recordId`. */
export function wrapDataKey(
  dataKey: Buffer,
  spkiPem: string,
  recordId: string,
  purpose?: WrappedKeyPurpose,
): string {
  return publicEncrypt(
    {
      key: rsa3072Public(spkiPem),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: label(recordId, purpose),
    },
    dataKey,
  ).toString('base64');
}

/** The data key (or remark key) back from a wrapped key made for this hospital and record. */
export function unwrapDataKey(
  wrapped: string,
  privateKey: KeyObject,
  recordId: string,
  purpose?: WrappedKeyPurpose,
): Buffer {
  try {
    const key = privateDecrypt(
      {
        key: privateKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
        oaepLabel: label(recordId, purpose),
      },
      Buffer.from(wrapped, 'base64'),
    );
    if (key.length !== 32) throw new KeyWrapError('unwrapped key has the wrong length');
    return key;
  } catch (e) {
    if (e instanceof KeyWrapError) throw e;
    throw new KeyWrapError('the wrapped key does not open with this hospital key');
  }
}

/** A hospital's encryption key pair as the gateway holds it. */
export interface HospitalKeyPair {
  /** Stable id derived from the public key: first 16 bytes of SHA-256(SPKI DER), hex. */
  keyId: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function keyIdOf(spkiPem: string): string {
  const der = createPublicKey(spkiPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

/**
 * The hospital's key pair from `file` (PKCS#8 PEM), generated there once (mode 0600) when
 * absent. The private key never leaves the gateway's data directory (or the configured file).
 */
export function loadOrCreateHospitalKey(file: string): HospitalKeyPair {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: MODULUS_BITS,
      publicExponent: 0x10001,
    });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite a key another process wrote meanwhile.
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  chmodSync(file, 0o600);
  return loadHospitalKey(file);
}

/** A hospital key pair from an existing PKCS#8 PEM file (a current or a retired key). */
export function loadHospitalKey(file: string): HospitalKeyPair {
  const pem = readFileSync(file, 'utf8');
  const privateKey = (() => {
    try {
      return createPrivateKey(pem);
    } catch {
      throw new KeyWrapError(`${file} is not a PEM private key`);
    }
  })();
  const publicKeyPem = createPublicKey(privateKey)
    .export({ type: 'spki', format: 'pem' })
    .toString();
  rsa3072Public(publicKeyPem);
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKey };
}
