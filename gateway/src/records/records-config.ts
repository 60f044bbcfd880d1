// Settings of the records path, validated at start like the rest of the gateway's configuration.
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { dataPaths } from '@ehr/network';
import type { GatewayConfig } from '../config/config';
import type { OrphanPinSettings } from './orphan-pins';

const schema = z.object({
  /** Largest accepted file (plaintext bytes). */
  EHR_RECORD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 40)
    .default(50 * 1024 * 1024),
  /** PKCS#8 PEM of the hospital's record-encryption key; generated there once when absent.
   *  Default: the hospital's gateway folder of the data directory, shared by every gateway
   *  process of that hospital (one key per hospital, not per process). */
  EHR_RECORD_KEY_FILE: z.string().min(1).optional(),
  /** Folder of the hospital's retired record keys (PKCS#8 PEM files), kept so that records
   *  wrapped under them stay readable after a rotation. Default: beside the key file. */
  EHR_RECORD_RETIRED_KEYS_DIR: z.string().min(1).optional(),
  /** How long a read from the hospital's own IPFS node may take before it is 503. */
  EHR_IPFS_READ_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How long an upload's add to IPFS Cluster may take in all before it is 503. */
  EHR_IPFS_ADD_TIMEOUT_MS: z.coerce.number().int().min(1000).default(300_000),
  /** How often files the ledger does not reference are cleaned up (records/orphan-pins). */
  EHR_ORPHAN_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** How long a file whose record's write was not confirmed is kept while the ledger has not
   *  committed that write; unpinned after. */
  EHR_ORPHAN_OUTCOME_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(3600),
});

export interface RecordsConfig {
  maxBytes: number;
  keyFile: string;
  retiredKeysDir: string;
  /** Where downloads are spooled (0600, deleted afterwards) until their hash is verified. */
  spoolDir: string;
  ipfsReadTimeoutMs: number;
  ipfsAddTimeoutMs: number;
  orphanPins: OrphanPinSettings;
}

export function loadRecordsConfig(
  gateway: GatewayConfig,
  env: NodeJS.ProcessEnv = process.env,
): RecordsConfig {
  const e = schema.parse(env);
  const keyFile =
    e.EHR_RECORD_KEY_FILE ??
    join(dataPaths(gateway.network).gateway(gateway.hospital), 'record-key.pem');
  return {
    maxBytes: e.EHR_RECORD_MAX_BYTES,
    keyFile,
    retiredKeysDir: e.EHR_RECORD_RETIRED_KEYS_DIR ?? join(dirname(keyFile), 'retired-record-keys'),
    spoolDir: join(gateway.dataDir, 'spool'),
    ipfsReadTimeoutMs: e.EHR_IPFS_READ_TIMEOUT_MS,
    ipfsAddTimeoutMs: e.EHR_IPFS_ADD_TIMEOUT_MS,
    orphanPins: {
      sweepMs: e.EHR_ORPHAN_SWEEP_SECONDS * 1000,
      outcomeGraceMs: e.EHR_ORPHAN_OUTCOME_GRACE_SECONDS * 1000,
    },
  };
}
