// Small JSON records the anchor keeps in <data dir>/anchor/: the anchoring service's status and
// the last verify report of the command line per channel (`anchor status` shows both; the
// portal's auditor view keeps its own in the gateway's database).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Network } from '@ehr/network';

/** <data dir>/anchor: deployment files, the anchor identity, status and verify reports. */
export function anchorDataDir(net: Network): string {
  return join(net.dataDir, 'anchor');
}

export const statusFile = (net: Network, channel: string) =>
  join(anchorDataDir(net), `status-${channel}.json`);
export const lastVerifyFile = (net: Network, channel: string) =>
  join(anchorDataDir(net), `last-verify-${channel}.json`);

/** JSON with bigints written as decimal strings. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
  renameSync(tmp, file);
}

export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
