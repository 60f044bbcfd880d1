// The supervisor's view of the gateways: one process per hospital on its `gateway.port`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  caServiceName,
  dataPaths,
  ensureDatabase,
  databaseUrl,
  type Hospital,
  type Network,
  POSTGRES_SERVICE,
  type ServiceDefinition,
} from '@ehr/network';
import { demoLogins } from './demo';

export const gatewayServiceName = (h: Hospital) => `gateway-${h.name.toLowerCase()}`;

/**
 * V8 flags of a gateway process. Streaming a file allocates a short-lived Buffer per 64 KiB chunk
 * (socket reads, cipher output) whose memory is freed only when the young generation is collected;
 * V8 sizes that generation from the machine's memory (up to 64 MiB per semi-space on 24 GiB), so a
 * long upload piled ~60-80 MiB of dead Buffers between collections. A 1 MiB semi-space collects
 * them every few MiB streamed (README, records: memory).
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=1'];

/**
 * Environment of a gateway process. glibc keeps freed blocks under its mmap threshold in its heap,
 * and the threshold climbs to 32 MiB as the process frees large blocks: after a few uploads and
 * downloads every 64 KiB stream Buffer came from the heap, and the process stayed at the
 * high-water mark of its busiest moment. Blocks of 64 KiB and more get pages of their own, given
 * back when freed (a fixed threshold also stops the climb).
 */
export const GATEWAY_PROCESS_ENV = { MALLOC_MMAP_THRESHOLD_: '65536' };

export interface GatewayServiceOptions {
  /** Services the ledger needs first (devnet or Fabric peers, chaincode servers). */
  ledgerServices?: string[];
  /** Create the demo patient, doctor and auditor (npm start). */
  demoData?: boolean;
}

export function gatewayService(
  net: Network,
  h: Hospital,
  opts: GatewayServiceOptions = {},
): ServiceDefinition {
  const dir = dataPaths(net).gateway(h);
  const url = `http://127.0.0.1:${h.gateway.port}`;
  return {
    name: gatewayServiceName(h),
    dependsOn: [POSTGRES_SERVICE, caServiceName(h), ...(opts.ledgerServices ?? [])],
    async prepare() {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await ensureDatabase(net, h.gateway.database);
    },
    process: () => ({
      command: process.execPath,
      args: [...GATEWAY_NODE_FLAGS, join(__dirname, 'main.js')],
      env: {
        ...GATEWAY_PROCESS_ENV,
        EHR_HOSPITAL: h.name,
        EHR_DATA_DIR: net.dataDir,
        EHR_GATEWAY_DATA_DIR: dir,
        DATABASE_URL: databaseUrl(net, h.gateway.database),
        EHR_DEMO_DATA: opts.demoData ? 'true' : 'false',
      },
    }),
    async healthy() {
      try {
        return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    },
    summary: () => [
      `${h.displayName ?? h.name}  portal ${url}/portal/  (API ${url}, docs ${url}/docs)`,
      ...demoLogins(net, h, dir).map(
        (l) => `    ${l.role.padEnd(8)} ${l.username.padEnd(14)} ${l.password}`,
      ),
    ],
  };
}

/** One gateway per hospital of network.yaml. */
export const gatewayServices = (net: Network, opts?: GatewayServiceOptions) =>
  net.hospitals.map((h) => gatewayService(net, h, opts));
