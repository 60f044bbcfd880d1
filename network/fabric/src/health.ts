// Fabric's operations endpoint (127.0.0.1 only): GET /healthz answers 200 once the node is up;
// GET /metrics (Prometheus text) tells a peer's ledger height and how many peers gossip knows.
// The operations server starts before the node's other listeners: a node is ready when those
// accept connections too.
import { connect } from 'node:net';

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** /healthz answers 200 and every given listener accepts connections. */
export async function nodeReady(operationsPort: number, listenerPorts: number[]): Promise<boolean> {
  if (!(await operationsHealthy(operationsPort))) return false;
  const open = await Promise.all(listenerPorts.map(tcpOpen));
  return open.every(Boolean);
}

export async function operationsHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Value of a Prometheus sample `name{...channel="<channel>"...} value`, if present. */
export function metricValue(text: string, name: string, channel: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!line.includes(`channel="${channel}"`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

export interface PeerChannelMetrics {
  /** Blocks committed on the channel. */
  height?: number;
  /** Other peers of the channel this peer's gossip currently knows. */
  peersKnown?: number;
}

export async function peerChannelMetrics(
  operationsPort: number,
  channel: string,
): Promise<PeerChannelMetrics> {
  const res = await fetch(`http://127.0.0.1:${operationsPort}/metrics`, {
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200)
    throw new Error(`metrics of 127.0.0.1:${operationsPort}: HTTP ${res.status}`);
  const text = await res.text();
  return {
    height: metricValue(text, 'ledger_blockchain_height', channel),
    peersKnown: metricValue(text, 'gossip_membership_total_peers_known', channel),
  };
}
