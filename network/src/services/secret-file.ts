// Secrets generated on first use and kept in the data directory, readable by the owner only.
// They are never in the code or the repository; deleting the data directory resets them.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file readable and writable by its owner only (0600), creating its folder (0700). */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, data, { mode: 0o600 });
  // mode only applies when the file is created: enforce it when overwriting too.
  chmodSync(file, 0o600);
}

/**
 * The secret stored in `file`, generated (random, base64url, `bytes` of entropy) and written with
 * mode 0600 the first time. Later calls return the same value.
 */
export function persistentSecret(file: string, bytes = 24): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(bytes).toString('base64url');
  writePrivateFile(file, secret + '\n');
  return secret;
}
