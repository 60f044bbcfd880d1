// Brings under-replicated pins back to their maximum replication when peers return.
//
// IPFS Cluster accepts a pin with one peer down (replication min 1) and moves allocations away
// from a peer that disappears, but it never adds allocations to a pin that already has its
// minimum: a file added while the other hospital's peer was down would stay on one peer. Each
// hospital runs this loop; the live peer with the smallest id acts, so the work is done once.
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hospital, Network } from '../config';
import type { ServiceDefinition } from '../services/service';
import { IpfsClusterClient } from './client';

export const REPLICATOR_INTERVAL_MS = 5000;

export const replicatorServiceName = (org: Hospital) => `ipfs-replicator-${org.name.toLowerCase()}`;
const heartbeatFile = (net: Network, org: Hospital) =>
  join(net.dataDir, 'ipfs', org.name, 'replicator.heartbeat');

/** One pass: returns the CIDs whose allocations were extended. */
export async function repairReplication(net: Network, org: Hospital): Promise<string[]> {
  const client = new IpfsClusterClient(net, org);
  const [self, live] = await Promise.all([client.id(), client.livePeers()]);
  if (live.length === 0 || [...live].sort()[0] !== self) return [];
  const repaired: string[] = [];
  for (const pin of await client.pins()) {
    if (pin.allocations.length === 0) continue; // pinned on every peer
    const reachable =
      pin.replicationFactorMax < 0 ? live.length : Math.min(pin.replicationFactorMax, live.length);
    const onLive = pin.allocations.filter((a) => live.includes(a)).length;
    if (onLive >= reachable) continue;
    const keep = { name: pin.name, metadata: pin.metadata, max: pin.replicationFactorMax };
    // The cluster allocates more peers only to a pin below its minimum: raise the minimum to what
    // is reachable for one update, then restore the pin's own factors (the allocations stay).
    try {
      await client.pin(pin.cid, { ...keep, min: reachable });
      repaired.push(pin.cid);
    } finally {
      await client.pin(pin.cid, { ...keep, min: pin.replicationFactorMin });
    }
  }
  return repaired;
}

/** The loop, run as its own process (replicator-main.ts); a heartbeat file shows it is working. */
export async function runReplicator(
  net: Network,
  org: Hospital,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const repaired = await repairReplication(net, org);
      for (const cid of repaired)
        console.log(`${new Date().toISOString()} replicated ${cid} to the returned peers`);
      writeFileSync(heartbeatFile(net, org), new Date().toISOString());
    } catch (e) {
      console.error(`${new Date().toISOString()} pass failed: ${(e as Error).message}`);
    }
    await sleep(REPLICATOR_INTERVAL_MS, undefined, { signal }).catch(() => {}); // aborted: stop
  }
}

export function replicatorService(
  net: Network,
  org: Hospital,
  clusterService: string,
): ServiceDefinition {
  return {
    name: replicatorServiceName(org),
    dependsOn: [clusterService],
    process: () => {
      rmSync(heartbeatFile(net, org), { force: true }); // only this process's passes count
      return {
        command: process.execPath,
        args: [join(__dirname, 'replicator-main.js'), org.name],
        env: { EHR_DATA_DIR: net.dataDir },
      };
    },
    // Healthy while passes complete (each one reaches the cluster API).
    async healthy() {
      const file = heartbeatFile(net, org);
      return existsSync(file) && Date.now() - statSync(file).mtimeMs < 3 * REPLICATOR_INTERVAL_MS;
    },
  };
}
