// Secrets a gateway needs. In production they come from the environment (or files a secret
// manager mounts); for local development the gateway generates them ONCE into its data dir with
// mode 0600, so no secret ever lives in the repository or in code.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedSecrets {
  sessionSecret: string;
  keyPepper: string;
  bootstrapAdminPassword: string;
}

const SECRETS_FILE = 'secrets.json';

/** Reads the data dir's generated secrets, creating the file (0600) on first use. */
export function ensureLocalSecrets(dataDir: string): GeneratedSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SECRETS_FILE);
  if (existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as GeneratedSecrets;
  }
  const secrets: GeneratedSecrets = {
    sessionSecret: randomBytes(32).toString('base64url'),
    keyPepper: randomBytes(32).toString('base64url'),
    // Readable enough to type once; printed by the supervisor for the local demo only.
    bootstrapAdminPassword: `Adm-${randomBytes(9).toString('base64url')}`,
  };
  // 'wx': never overwrite a file another process created in between.
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secrets;
}
