// devnet as the supervisor runs it: one Node process (main.js) after the organisations' CAs have
// enrolled the MSP folders it reads; healthy when its operations endpoint answers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caServiceName, dataPaths, type Network, type ServiceDefinition } from '@ehr/network';

export const DEVNET_SERVICE = 'devnet';

const operations = (net: Network) => `http://127.0.0.1:${net.devnet.operationsPort}`;

export function devnetService(net: Network): ServiceDefinition {
  return {
    name: DEVNET_SERVICE,
    dependsOn: net.organizations.map(caServiceName),
    async prepare() {
      mkdirSync(dataPaths(net).devnet, { recursive: true, mode: 0o700 });
    },
    process: () => ({
      command: process.execPath,
      args: [join(__dirname, 'main.js')],
      env: {
        EHR_DATA_DIR: net.dataDir,
        ...(process.env.EHR_PORT_OFFSET ? { EHR_PORT_OFFSET: process.env.EHR_PORT_OFFSET } : {}),
        ...(process.env.EHR_NETWORK_FILE ? { EHR_NETWORK_FILE: process.env.EHR_NETWORK_FILE } : {}),
      },
    }),
    async healthy() {
      try {
        const res = await fetch(`${operations(net)}/healthz`, {
          signal: AbortSignal.timeout(2000),
        });
        await res.arrayBuffer();
        return res.ok;
      } catch {
        return false;
      }
    },
    summary: () => [
      `devnet  channel ${net.channel}  orderer 127.0.0.1:${net.ordererOrg.orderer!.port}  ` +
        net.hospitals.map((h) => `${h.name} peer 127.0.0.1:${h.peer.port}`).join('  ') +
        `  status ${operations(net)}/status`,
    ],
  };
}

/** GET /status of a running devnet (for `npm run devnet -- status`). */
export async function fetchDevnetStatus(net: Network): Promise<Record<string, unknown>> {
  const res = await fetch(`${operations(net)}/status`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`devnet status answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}
