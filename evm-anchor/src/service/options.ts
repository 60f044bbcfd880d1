// The anchoring service's schedule from the environment: ANCHOR_EVERY_BLOCKS, ANCHOR_EVERY and
// ANCHOR_POLL (durations as in network.yaml: 250ms, 2s, 5m). Defaults: every 10 blocks or 5m on
// the local chain; on a public chain, where each anchor costs a transaction fee, every 1000 blocks
// or 60m.
import { parseDuration } from '@ehr/network';
import type { AnchoringOptions } from './anchoring-service';

export const DEFAULT_ANCHORING: Omit<AnchoringOptions, 'channel'> = {
  everyBlocks: 10,
  everyMs: 5 * 60_000,
  pollMs: 2000,
  backoff: { initialMs: 1000, maxMs: 60_000 },
};

/** Defaults on a public chain (Sepolia, mainnet). */
export const PUBLIC_CHAIN_ANCHORING = { everyBlocks: 1000, everyMs: 60 * 60_000 };

export function anchoringOptions(
  channel: string,
  env: NodeJS.ProcessEnv = process.env,
  chain: 'local' | 'remote' = 'local',
): AnchoringOptions {
  const defaults =
    chain === 'remote' ? { ...DEFAULT_ANCHORING, ...PUBLIC_CHAIN_ANCHORING } : DEFAULT_ANCHORING;
  const everyBlocks = env.ANCHOR_EVERY_BLOCKS
    ? Number(env.ANCHOR_EVERY_BLOCKS)
    : defaults.everyBlocks;
  if (!Number.isInteger(everyBlocks) || everyBlocks < 1) {
    throw new Error(
      `ANCHOR_EVERY_BLOCKS must be a whole number ≥ 1, got ${env.ANCHOR_EVERY_BLOCKS}`,
    );
  }
  return {
    ...DEFAULT_ANCHORING,
    channel,
    everyBlocks,
    everyMs: env.ANCHOR_EVERY ? parseDuration(env.ANCHOR_EVERY) : defaults.everyMs,
    pollMs: env.ANCHOR_POLL ? parseDuration(env.ANCHOR_POLL) : DEFAULT_ANCHORING.pollMs,
  };
}
