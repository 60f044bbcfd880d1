// The anchoring service: every `everyBlocks` new blocks or every `everyMs`, whichever comes
// first, it anchors the newest committed block's header hash in the contract. The contract's
// latest anchor is the source of truth for what is anchored (it survives restarts and sees the
// other members' anchors), so the service never sends a number at or below it. Before the
// first anchor it follows the whole chain from the genesis and checks the existing anchors
// against it; it then anchors only blocks it has checked. Failures (chain or peer down) are
// retried with exponential back-off.
import { headerHashOf } from '@ehr/network';
import type { Provider } from 'ethers';
import type { AnchorContract } from '../contract/anchor-contract';
import type { BlockSource } from '../fabric/deliver';
import { ChainFollower } from './chain-follower';

export interface AnchoringOptions {
  channel: string;
  /** Anchor once this many blocks were committed after the last anchor. */
  everyBlocks: number;
  /** Anchor when the last anchor is this old and a newer block exists. */
  everyMs: number;
  /** How often to look at the newest block. */
  pollMs: number;
  backoff: { initialMs: number; maxMs: number };
  /** Header hashes kept for checking other members' anchors (default 10,000 newest blocks). */
  recentWindow?: number;
}

export type TickOutcome =
  | {
      action: 'anchored';
      blockNumber: bigint;
      headerHash: string;
      txHash: string;
      ethBlock: number;
    }
  | { action: 'waiting'; newest: bigint; lastAnchored?: bigint; reason: string };

export interface ServiceStatus {
  channel: string;
  member: string;
  updatedAt: string;
  lastSuccessAt?: string;
  lastAnchor?: {
    blockNumber: string;
    headerHash: string;
    txHash: string;
    ethBlock: number;
    at: string;
  };
  lastError?: { message: string; at: string };
  /** Consecutive failed ticks (0 when the last tick succeeded). */
  failures: number;
  /** Newest block checked by the service (hash chain and orderer signatures). */
  checkedHeight: string;
}

export class LedgerDivergedError extends Error {
  override name = 'LedgerDivergedError';
}

export class AnchoringService {
  private readonly follower = new ChainFollower();
  private checkedAnchors = 0;
  private lastAnchorTime: { ethBlock: number; ms: number } | undefined;
  status: ServiceStatus;

  constructor(
    private readonly source: BlockSource,
    /** Connected with the member's anchorer signer. */
    private readonly contract: AnchorContract,
    private readonly provider: Provider,
    readonly options: AnchoringOptions,
    member: string,
    private readonly onStatus: (status: ServiceStatus) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.status = {
      channel: options.channel,
      member,
      updatedAt: new Date(now()).toISOString(),
      failures: 0,
      checkedHeight: '0',
    };
  }

  /** Time of the latest anchor, from its Ethereum block (cached per block). */
  private async anchorTimeMs(ethBlock: number): Promise<number> {
    if (this.lastAnchorTime?.ethBlock !== ethBlock) {
      const block = await this.provider.getBlock(ethBlock);
      if (!block) throw new Error(`Ethereum block ${ethBlock} not found`);
      this.lastAnchorTime = { ethBlock, ms: block.timestamp * 1000 };
    }
    return this.lastAnchorTime.ms;
  }

  /** Header hashes of the newest followed blocks, to check anchors other members record. */
  private readonly recent = new Map<bigint, string>();

  private remember(number: bigint, hash: Buffer): void {
    this.recent.set(number, `0x${hash.toString('hex')}`);
    this.recent.delete(number - BigInt(this.options.recentWindow ?? 10_000));
  }

  /**
   * The header hash of an already followed block: from the window, else the block is read again
   * and must still link to its successor (a re-read block is not re-checked against the genesis).
   */
  private async followedHash(number: bigint): Promise<string> {
    const known = this.recent.get(number);
    if (known) return known;
    const read = [];
    for await (const b of this.source.blocks(number, number + 1n)) read.push(b);
    const [block, next] = read;
    const hash = headerHashOf(block);
    if (!hash.equals(next.getHeader()?.getPreviousHash_asU8() ?? new Uint8Array())) {
      throw new LedgerDivergedError(`block ${number} no longer links to block ${number + 1n}`);
    }
    return `0x${hash.toString('hex')}`;
  }

  /**
   * Follows the chain to the newest block and checks every anchor recorded since the last look
   * (by any member) against it; throws LedgerDivergedError if the peer's chain differs from one.
   */
  private async catchUp(latestCount: number): Promise<bigint> {
    const newest = BigInt((await this.source.newest()).getHeader()?.getNumber() ?? -1);
    const fresh =
      latestCount > this.checkedAnchors
        ? await this.contract.anchors(this.options.channel, latestCount - this.checkedAnchors)
        : [];
    const pending = new Map(fresh.map((a) => [a.blockNumber, a.headerHash.toLowerCase()]));
    const diverged = (number: bigint, actual: string, anchored: string) =>
      new LedgerDivergedError(
        `block ${number} has header hash ${actual}, its anchor says ${anchored}: refusing to anchor`,
      );
    for (const [number, anchored] of pending) {
      if (number >= this.follower.height) continue;
      const actual = await this.followedHash(number);
      if (actual !== anchored) throw diverged(number, actual, anchored);
    }
    try {
      await this.follower.followTo(this.source, newest, (number, hash) => {
        this.remember(number, hash);
        const anchored = pending.get(number);
        if (anchored && anchored !== `0x${hash.toString('hex')}`)
          throw diverged(number, `0x${hash.toString('hex')}`, anchored);
      });
    } catch (e) {
      if (e instanceof LedgerDivergedError) throw e;
      throw new LedgerDivergedError(`the peer's chain does not check out: ${(e as Error).message}`);
    }
    // Anchors beyond the peer's height (a peer catching up) are checked once it has those blocks.
    this.checkedAnchors += fresh.filter((a) => a.blockNumber < this.follower.height).length;
    this.status.checkedHeight = String(this.follower.height);
    return newest;
  }

  /** One decision: anchor the newest block if due. */
  async tick(): Promise<TickOutcome> {
    const latest = await this.contract.latest(this.options.channel);
    const newest = await this.catchUp(latest.count);
    const head = this.follower.newest;
    if (!head || head.number !== newest) throw new Error('follower is behind the newest block');
    if (latest.count > 0 && newest <= latest.blockNumber) {
      return {
        action: 'waiting',
        newest,
        lastAnchored: latest.blockNumber,
        reason: 'no block after the last anchor',
      };
    }
    if (latest.count > 0) {
      const behind = newest - latest.blockNumber;
      const age = this.now() - (await this.anchorTimeMs(latest.ethBlock));
      if (behind < BigInt(this.options.everyBlocks) && age < this.options.everyMs) {
        return {
          action: 'waiting',
          newest,
          lastAnchored: latest.blockNumber,
          reason: `${behind} of ${this.options.everyBlocks} blocks, ${Math.round(age / 1000)} s of ${this.options.everyMs / 1000} s`,
        };
      }
    }
    const headerHash = `0x${head.hash.toString('hex')}`;
    let receipt;
    try {
      receipt = await this.contract.anchor(this.options.channel, newest, head.hash);
    } catch (e) {
      // Another member anchored this number first: nothing lost, the next tick checks it.
      if (this.contract.revertName(e) === 'NotIncreasing') {
        return { action: 'waiting', newest, reason: 'another member anchored first' };
      }
      throw e;
    }
    const at = new Date(this.now()).toISOString();
    this.status.lastAnchor = {
      blockNumber: String(newest),
      headerHash,
      txHash: receipt.hash,
      ethBlock: receipt.blockNumber,
      at,
    };
    return {
      action: 'anchored',
      blockNumber: newest,
      headerHash,
      txHash: receipt.hash,
      ethBlock: receipt.blockNumber,
    };
  }

  /** Runs until `signal` aborts: a tick per poll interval, back-off after failures. */
  async run(signal: AbortSignal, log: (line: string) => void = () => undefined): Promise<void> {
    let delay = 0;
    while (!signal.aborted) {
      await sleep(delay, signal);
      if (signal.aborted) break;
      try {
        const outcome = await this.tick();
        if (outcome.action === 'anchored') {
          log(
            `anchored block ${outcome.blockNumber} ${outcome.headerHash} in tx ${outcome.txHash}`,
          );
        }
        this.status.failures = 0;
        this.status.lastSuccessAt = new Date(this.now()).toISOString();
        delay = this.options.pollMs;
      } catch (e) {
        this.status.failures++;
        this.status.lastError = {
          message: (e as Error).message,
          at: new Date(this.now()).toISOString(),
        };
        const { initialMs, maxMs } = this.options.backoff;
        delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.status.failures - 1, 30));
        log(
          `anchoring failed (${this.status.failures}x), retrying in ${delay} ms: ${(e as Error).message}`,
        );
      }
      this.status.updatedAt = new Date(this.now()).toISOString();
      this.onStatus(this.status);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
