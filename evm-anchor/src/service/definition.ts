// The anchoring service as the supervisor runs it: after Anvil and the ledger, one process for
// the anchoring member (ANCHOR_MEMBER, default the first hospital). Healthy while its loop keeps
// writing its status (each tick, or each retry while something it needs is down).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Network, ServiceDefinition } from '@ehr/network';
import { statusFile } from '../state-files';
import { DEFAULT_ANCHORING } from './anchoring-service';

export function anchoringService(net: Network, opts: { ledgerServices: string[] }): ServiceDefinition {
  const channel = process.env.ANCHOR_CHANNEL ?? net.channel;
  const freshMs = 2 * DEFAULT_ANCHORING.backoff.maxMs;
  let startedAt = 0;
  return {
    name: 'anchor',
    dependsOn: ['anvil', ...opts.ledgerServices],
    process() {
      startedAt = Date.now();
      return { command: process.execPath, args: ['--enable-source-maps', join(__dirname, 'main.js')] };
    },
    async healthy() {
      try {
        const { mtimeMs } = statSync(statusFile(net, channel));
        // Written by this run of the process, recently.
        return mtimeMs >= startedAt - 1000 && Date.now() - mtimeMs < freshMs;
      } catch {
        return false;
      }
    },
    summary() {
      return [`anchoring ${channel} every ${process.env.ANCHOR_EVERY_BLOCKS ?? DEFAULT_ANCHORING.everyBlocks} blocks`];
    },
  };
}
