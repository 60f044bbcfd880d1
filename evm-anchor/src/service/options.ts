// The anchoring service's schedule from the environment: ANCHOR_EVERY_BLOCKS (default 10),
// ANCHOR_EVERY (default 5m), ANCHOR_POLL (default 2s); durations as in network.yaml (250ms, 2s, 5m).
import { parseDuration } from '@ehr/network';
import type { AnchoringOptions } from './anchoring-service';

export const DEFAULT_ANCHORING: Omit<AnchoringOptions, 'channel'> = {
  everyBlocks: 10,
  everyMs: 5 * 60_000,
  pollMs: 2000,
  backoff: { initialMs: 1000, maxMs: 60_000 },
};

export function anchoringOptions(
  channel: string,
  env: NodeJS.ProcessEnv = process.env,
): AnchoringOptions {
  const everyBlocks = env.ANCHOR_EVERY_BLOCKS
    ? Number(env.ANCHOR_EVERY_BLOCKS)
    : DEFAULT_ANCHORING.everyBlocks;
  if (!Number.isInteger(everyBlocks) || everyBlocks < 1) {
    throw new Error(
      `ANCHOR_EVERY_BLOCKS must be a whole number ≥ 1, got ${env.ANCHOR_EVERY_BLOCKS}`,
    );
  }
  return {
    ...DEFAULT_ANCHORING,
    channel,
    everyBlocks,
    everyMs: env.ANCHOR_EVERY ? parseDuration(env.ANCHOR_EVERY) : DEFAULT_ANCHORING.everyMs,
    pollMs: env.ANCHOR_POLL ? parseDuration(env.ANCHOR_POLL) : DEFAULT_ANCHORING.pollMs,
  };
}
