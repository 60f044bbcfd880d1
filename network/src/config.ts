// Loads network/network.yaml: the one description of the consortium. Ports are shifted by
// EHR_PORT_OFFSET so a test run can live beside a running `npm start`.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);

const ipfsPorts = z.object({
  apiPort: port,
  gatewayPort: port,
  swarmPort: port,
  clusterApiPort: port,
  clusterProxyPort: port,
  clusterSwarmPort: port,
});

const organization = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  mspId: z.string().regex(/^[A-Za-z][A-Za-z0-9]*MSP$/),
  type: z.enum(['orderer', 'hospital']),
  displayName: z.string().optional(),
  domain: z.string(),
  ca: z.object({ port }),
  orderer: z.object({ port, adminPort: port, operationsPort: port }).optional(),
  /** Further Raft orderers of the orderer organisation (real Fabric only). */
  extraOrderers: z.array(z.object({ port, adminPort: port, operationsPort: port })).optional(),
  peer: z
    .object({ port, fabricPort: port, fabricOperationsPort: port, fabricChaincodePort: port })
    .optional(),
  chaincodeServer: z.object({ port, testPort: port.optional() }).optional(),
  ipfs: ipfsPorts.optional(),
  /** port: the portal and API; federationPort: names for the other members' gateways (mutual TLS). */
  gateway: z.object({ port, federationPort: port, database: z.string() }).optional(),
});

const duration = z.string().regex(/^\d+(ms|s|m)$/);

const networkSchema = z.object({
  channel: z.string().regex(/^[a-z][a-z0-9.-]*$/),
  chaincode: z.object({ name: z.string(), version: z.string(), endorsementPolicy: z.string() }),
  /** The conformance suite's contract (test/ledger), served on chaincodeServer.testPort. */
  testChaincode: z
    .object({ name: z.string(), version: z.string(), endorsementPolicy: z.string() })
    .optional(),
  ordering: z.object({
    batchTimeout: duration,
    maxMessageCount: z.number().int().positive(),
    absoluteMaxBytes: z.number().int().positive(),
    preferredMaxBytes: z.number().int().positive(),
  }),
  ipfs: z.object({
    replicationFactorMin: z.number().int(),
    replicationFactorMax: z.number().int(),
  }),
  postgres: z.object({ port }),
  ethereum: z.object({ anvil: z.object({ port, chainId: z.number().int() }) }),
  devnet: z.object({ operationsPort: port }),
  organizations: z.array(organization).min(2),
  /** Hospitals that may join later (`npm run fabric -- add-org <name>`); not members at start. */
  candidates: z.array(organization).default([]),
});

export type NetworkConfig = z.infer<typeof networkSchema>;
export type Organization = z.infer<typeof organization>;
export type Hospital = Organization & {
  type: 'hospital';
  peer: NonNullable<Organization['peer']>;
  chaincodeServer: NonNullable<Organization['chaincodeServer']>;
  ipfs: NonNullable<Organization['ipfs']>;
  gateway: NonNullable<Organization['gateway']>;
};

export interface Network extends NetworkConfig {
  /** Directory of the network description (network/). */
  dir: string;
  /** Directory where every service keeps its data and logs. */
  dataDir: string;
  /** Cache of built binaries and Node (outside the repository). */
  cacheDir: string;
  ordererOrg: Organization;
  hospitals: Hospital[];
  /** network.yaml's candidates: hospitals described in advance, added to the channel on request. */
  candidateHospitals: Hospital[];
}

/** network/: found upwards from this file, whether it runs from src/ (tests) or dist/src/. */
export const NETWORK_DIR = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'network.yaml'))) return dir;
  }
  throw new Error(`network.yaml not found above ${__dirname}`);
})();
export const REPO_ROOT = resolve(NETWORK_DIR, '..');

/** Milliseconds of a duration written like 250ms, 2s or 5m. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new Error(`bad duration ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2] as 'ms' | 's' | 'm'];
}

function shiftPorts<T>(value: T, offset: number, key = ''): T {
  if (offset === 0) return value;
  if (Array.isArray(value)) return value.map((v) => shiftPorts(v, offset)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, shiftPorts(v, offset, k)]),
    ) as T;
  }
  if (typeof value === 'number' && /port$/i.test(key)) return (value + offset) as T;
  return value;
}

export interface LoadOptions {
  file?: string;
  portOffset?: number;
  dataDir?: string;
}

export function loadNetwork(opts: LoadOptions = {}): Network {
  const file = opts.file ?? process.env.EHR_NETWORK_FILE ?? join(NETWORK_DIR, 'network.yaml');
  const parsed = networkSchema.parse(parse(readFileSync(file, 'utf8')));
  const offset = opts.portOffset ?? Number(process.env.EHR_PORT_OFFSET ?? 0);
  const cfg = shiftPorts(parsed, offset);
  const ordererOrg = cfg.organizations.find((o) => o.type === 'orderer');
  if (!ordererOrg) throw new Error(`${file}: no orderer organization`);
  const isHospital = (o: Organization): o is Hospital => {
    if (o.type !== 'hospital') return false;
    if (!o.peer || !o.chaincodeServer || !o.ipfs || !o.gateway) {
      throw new Error(`${file}: hospital ${o.name} needs peer, chaincodeServer, ipfs and gateway`);
    }
    return true;
  };
  const hospitals = cfg.organizations.filter(isHospital);
  const candidateHospitals = cfg.candidates.filter(isHospital);
  if (candidateHospitals.length !== cfg.candidates.length)
    throw new Error(`${file}: every candidate must be a hospital`);
  const cacheDir =
    process.env.EHR_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ehr-ledger');
  const dataDir = resolve(opts.dataDir ?? process.env.EHR_DATA_DIR ?? join(REPO_ROOT, '.data'));
  return { ...cfg, dir: NETWORK_DIR, dataDir, cacheDir, ordererOrg, hospitals, candidateHospitals };
}
