// Custody of users' Fabric private keys at rest.
//
// Each key is sealed with AES-256-GCM under a key-encryption key derived from BOTH the user's
// password and the server's pepper (configuration, never in the database):
//     kek = scrypt(HMAC-SHA256(pepper, password), salt)
// so a stolen database alone cannot sign (it lacks the pepper), and a stolen database plus the
// pepper still needs each user's password (scrypt makes guessing it expensive). The user id is
// bound as associated data, so a sealed key moved to another account does not open.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  type KeyObject,
  randomBytes,
  scrypt,
} from 'node:crypto';
import { CodedError } from '@ehr/common';

export interface SealedKey {
  v: 1;
  kdf: 'scrypt';
  /** scrypt cost parameters, stored so they can be raised later without breaking old keys. */
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  ct: string;
  tag: string;
}

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N=2^17, r=8, p=1) costs ~128 MiB and ~0.3 s; 2^15 keeps login snappy on 2 cores. */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 15, r: 8, p: 1 };

function deriveKek(
  password: string,
  pepper: string,
  salt: Buffer,
  kdf: KdfParams,
): Promise<Buffer> {
  const peppered = createHmac('sha256', pepper).update(password, 'utf8').digest();
  return new Promise((resolve, reject) => {
    scrypt(peppered, salt, 32, { ...kdf, maxmem: 256 * kdf.N * kdf.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

const aad = (userId: string) => Buffer.from(`ehr-ledger key custody v1|${userId}`, 'utf8');

export async function sealPrivateKey(
  privateKeyPem: string,
  password: string,
  pepper: string,
  userId: string,
  kdf: KdfParams = DEFAULT_KDF,
): Promise<SealedKey> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kek = await deriveKek(password, pepper, salt, kdf);
  try {
    const cipher = createCipheriv('aes-256-gcm', kek, iv);
    cipher.setAAD(aad(userId));
    const ct = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
    return {
      v: 1,
      kdf: 'scrypt',
      ...kdf,
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  } finally {
    kek.fill(0);
  }
}

/** Opens a sealed key; a wrong password, pepper or user id fails authentication (INTERNAL). */
export async function unsealPrivateKey(
  sealed: SealedKey,
  password: string,
  pepper: string,
  userId: string,
): Promise<KeyObject> {
  if (sealed.v !== 1 || sealed.kdf !== 'scrypt')
    throw new Error(`unknown sealed key format ${sealed.v}`);
  const kek = await deriveKek(password, pepper, Buffer.from(sealed.salt, 'base64'), sealed);
  let pem: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(userId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    pem = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    return createPrivateKey(pem);
  } catch {
    // The password was already checked by bcrypt: failing here means a wrong pepper or a
    // tampered row. Never say which, never log the material.
    throw new CodedError('INTERNAL', 'The signing key of this account cannot be opened.');
  } finally {
    kek.fill(0);
    pem?.fill(0);
  }
}
