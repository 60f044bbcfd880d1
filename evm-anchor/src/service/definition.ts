// The anchoring service as the supervisor runs it: after Anvil and the ledger, one process for
// the anchoring member (ANCHOR_MEMBER, default the first hospital). Healthy while its loop keeps
// writing its status (each tick, or each retry while something it needs is down).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { caServiceName, type Network, type ServiceDefinition } from '@ehr/network';
import { statusFile } from '../state-files';
import { anchoringOptions, DEFAULT_ANCHORING } from './options';

/** `ledgerServices`: the services serving the member's peer (devnet, or its Fabric peer). */
export function anchoringService(
  net: Network,
  opts: { ledgerServices: string[] },
): ServiceDefinition {
  const channel = process.env.ANCHOR_CHANNEL ?? net.channel;
  const memberId = process.env.ANCHOR_MEMBER ?? net.hospitals[0].mspId;
  const member = net.hospitals.find((h) => h.mspId === memberId);
  if (!member) throw new Error(`ANCHOR_MEMBER ${memberId} is not a hospital of network.yaml`);
  const freshMs = 2 * DEFAULT_ANCHORING.backoff.maxMs;
  let startedAt = 0;
  return {
    name: 'anchor',
    // Its CA enrols the service's `anchor` identity for reading blocks.
    dependsOn: ['anvil', caServiceName(member), ...opts.ledgerServices],
    process() {
      startedAt = Date.now();
      return {
        command: process.execPath,
        args: ['--enable-source-maps', join(__dirname, 'main.js')],
      };
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
      const o = anchoringOptions(
        channel,
        process.env,
        process.env.ANCHOR_RPC_URL ? 'remote' : 'local',
      );
      return [
        `Anchor  ${channel} anchored as ${memberId} every ${o.everyBlocks} blocks or ${o.everyMs / 60_000} min; \`npm run anchor -- status|verify\``,
      ];
    },
  };
}
