// Entry point of the `ipfs-replicator-<org>` process (see replicator.ts). Argument: the hospital.
import { loadNetwork } from '../config';
import { runReplicator } from './replicator';

const net = loadNetwork();
const org = net.hospitals.find((h) => h.name === process.argv[2]);
if (!org) {
  console.error(
    `usage: replicator-main <hospital>; known: ${net.hospitals.map((h) => h.name).join(', ')}`,
  );
  process.exit(2);
}
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
void runReplicator(net, org, stop.signal);
