// What `npm run fabric -- status` shows, and the readiness test used before anyone transacts:
// every orderer's channel state (osnadmin), every peer's height and gossip view (its metrics),
// and the committed chaincode definition.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FabricBinaries } from './binaries';
import { ordererChannelInfo } from './channel';
import { operationsHealthy, peerChannelMetrics } from './health';
import { queryCommitted } from './lifecycle';
import { endpoint, type FabricTopology } from './topology';

export interface NodeStatus {
  name: string;
  endpoint: string;
  up: boolean;
  detail: string;
}

export async function fabricStatus(
  topo: FabricTopology,
  bins: FabricBinaries,
): Promise<NodeStatus[]> {
  const out: NodeStatus[] = [];
  for (const o of topo.orderers) {
    const up = await operationsHealthy(o.operationsPort);
    let detail = 'not running';
    if (up) {
      const info = await ordererChannelInfo(topo, bins, o).catch((e: Error) => ({
        error: e.message,
      }));
      detail =
        'error' in info
          ? info.error
          : info.joined
            ? `channel ${topo.channel}: ${info.consensusRelation}, ${info.status}, height ${info.height}`
            : `not joined to ${topo.channel}`;
    }
    out.push({ name: `${o.name}.${o.org.domain}`, endpoint: endpoint(o.port), up, detail });
  }
  for (const p of topo.peers) {
    const up = await operationsHealthy(p.operationsPort);
    let detail = 'not running';
    if (up) {
      const m = await peerChannelMetrics(p.operationsPort, topo.channel).catch(() => ({
        height: undefined,
        peersKnown: undefined,
      }));
      detail =
        m.height === undefined
          ? `not joined to ${topo.channel}`
          : `channel ${topo.channel}: height ${m.height}, gossip knows ${m.peersKnown ?? 0} other peer(s)`;
    }
    out.push({ name: `${p.name}.${p.org.domain}`, endpoint: endpoint(p.port), up, detail });
  }
  if (out.some((n) => n.name.startsWith('peer') && n.up)) {
    const cc = await queryCommitted(topo, bins).catch(() => undefined);
    out.push({
      name: `chaincode ${topo.net.chaincode.name}`,
      endpoint: '',
      up: Boolean(cc),
      detail: cc ? `committed: version ${cc.version}, sequence ${cc.sequence}` : 'not committed',
    });
  }
  return out;
}

/**
 * Waits until every peer has joined the channel, sees every other peer through gossip (the
 * Gateway service finds endorsers through it) and has the same height as the highest.
 */
export async function waitForFabricReady(topo: FabricTopology, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await Promise.all(
      topo.peers.map((p) =>
        peerChannelMetrics(p.operationsPort, topo.channel).catch(() => ({
          height: undefined,
          peersKnown: undefined,
        })),
      ),
    );
    const top = Math.max(...metrics.map((m) => m.height ?? 0));
    const lagging = topo.peers.filter((_, i) => {
      const m = metrics[i]!;
      return (
        m.height === undefined || m.height < top || (m.peersKnown ?? 0) < topo.peers.length - 1
      );
    });
    if (lagging.length === 0) return;
    const last = lagging
      .map((p) => {
        const m = metrics[topo.peers.indexOf(p)]!;
        return `${p.name}.${p.org.name} (height ${m.height ?? '-'} of ${top}, knows ${m.peersKnown ?? 0} peer(s))`;
      })
      .join(', ');
    if (Date.now() > deadline)
      throw new Error(`Fabric not ready after ${timeoutMs / 1000} s: ${last}`);
    await sleep(500);
  }
}
