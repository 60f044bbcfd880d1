// What the portal's auditor view shows, for the gateway to serve: the anchors of the channel
// with their explorer links, how many blocks are not yet anchored, and the last verify result;
// and, for the local chain, the facts behind the "explorer" links (transaction, address, block),
// read from the node as Etherscan would show them.
import { CodedError, type ErrorCode } from '@ehr/common';
import type { Network } from '@ehr/network';
import type { JsonRpcProvider } from 'ethers';
import { chainFromEnv, connectChain, ChainUnavailableError, type ChainConfig } from './chain';
import type { AnchorContract, AnchorEvent } from './contract/anchor-contract';
import { openContract } from './deployment';
import { DeliverError, type BlockSource } from './fabric/deliver';
import { openBlockSource, readerConfig } from './fabric/member-identity';
import { verifyLedger, type VerifyReport } from './verify/verify-ledger';
import {
  fileVerificationStore,
  type VerificationResult,
  type VerificationStore,
} from './verify/verification-store';

// The gateway imports this module alone (@ehr/evm-anchor/auditor): what it needs besides.
export { localExplorerUrl } from './chain';
export {
  verificationResult,
  type VerificationResult,
  type VerificationStore,
} from './verify/verification-store';

function fail(code: ErrorCode, message?: string): never {
  throw new CodedError(code, message);
}

/** The gateway API's `Anchor` (gateway/openapi.yaml). */
export interface ApiAnchor {
  channel: string;
  blockNumber: number;
  headerHash: string;
  ethTxHash: string;
  explorerUrl: string;
  anchoredAt: string;
  /** The member hospital (MSP id) whose anchorer recorded it. */
  member: string;
}

/** The gateway API's `AuditOverview` (gateway/openapi.yaml): what the auditor's page shows. */
export interface ApiAuditOverview {
  channel: string;
  chain: { kind: ChainConfig['kind']; chainId: number; explorerUrl: string };
  contract: { address: string; explorerUrl: string };
  /** Newest first. */
  anchors: ApiAnchor[];
  coverage: {
    /** Blocks in the ledger (absent when the peer did not answer). */
    ledgerHeight?: number;
    /** Absent before the first anchor. */
    lastAnchoredBlock?: number;
    /** Blocks committed after the newest anchor (absent when the height is unknown). */
    blocksNotAnchored?: number;
  };
  lastVerification?: VerificationResult;
}

/** The gateway API's `VerifyReport` (gateway/openapi.yaml). */
export interface ApiVerifyReport {
  ok: boolean;
  blocksChecked: number;
  anchorsChecked: number;
  problems: string[];
}

export interface AnchorAuditorOptions {
  /**
   * Where blocks are read (coverage, verify). Default: the member's peer, read as that
   * hospital's `anchor` client identity (enrolled from its CA on first use).
   */
  blocks?: BlockSource;
  /** The hospital whose peer is read by default (default ANCHOR_MEMBER, else the first). */
  member?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the last verification is kept (default: the data directory's file, as the CLI). */
  verifications?: VerificationStore;
}

/** Long-lived (one per gateway): keeps one provider and caches the anchor list per count. */
export class AnchorAuditor {
  private connection?: Promise<{
    provider: JsonRpcProvider;
    chainId: number;
    contract: AnchorContract;
  }>;
  private cache?: { count: number; ethBlock: number; anchors: AnchorEvent[] };
  private readonly blockTimes = new Map<number, string>();
  private ownSource?: Promise<BlockSource>;
  private running?: Promise<VerifyReport>;
  private readonly chain: ChainConfig;
  private readonly verifications: VerificationStore;
  readonly channel: string;

  constructor(
    private readonly net: Network,
    private readonly opts: AnchorAuditorOptions = {},
  ) {
    const env = opts.env ?? process.env;
    this.chain = chainFromEnv(net, env, { readOnly: true });
    this.channel = env.ANCHOR_CHANNEL ?? net.channel;
    this.verifications = opts.verifications ?? fileVerificationStore(net);
  }

  private connect() {
    this.connection ??= (async () => {
      const { provider, chainId } = await connectChain(this.chain);
      const { contract } = await openContract(
        this.net,
        provider,
        chainId,
        this.opts.env ?? process.env,
      );
      return { provider, chainId, contract };
    })();
    // A failed connection is retried on the next request.
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private async connected() {
    try {
      return await this.connect();
    } catch (e) {
      if (e instanceof ChainUnavailableError) fail('ANCHOR_UNAVAILABLE');
      if (/no anchor contract|does not hold/.test((e as Error).message))
        fail('NOT_FOUND', 'No anchor contract is deployed yet.');
      throw e;
    }
  }

  private async anchors(contract: AnchorContract): Promise<AnchorEvent[]> {
    const latest = await contract.latest(this.channel);
    if (this.cache?.count !== latest.count || this.cache.ethBlock !== latest.ethBlock) {
      this.cache = {
        count: latest.count,
        ethBlock: latest.ethBlock,
        anchors: await contract.anchors(this.channel),
      };
    }
    return this.cache.anchors;
  }

  private blocks(): Promise<BlockSource> {
    if (this.opts.blocks) return Promise.resolve(this.opts.blocks);
    const env = this.opts.env ?? process.env;
    this.ownSource ??= readerConfig(
      this.net,
      this.opts.member ?? env.ANCHOR_MEMBER ?? this.net.hospitals[0].mspId,
      env,
    ).then(openBlockSource);
    this.ownSource.catch(() => (this.ownSource = undefined));
    return this.ownSource;
  }

  private async anchoredAt(provider: JsonRpcProvider, ethBlock: number): Promise<string> {
    let at = this.blockTimes.get(ethBlock);
    if (!at) {
      const block = await provider.getBlock(ethBlock);
      at = block ? new Date(block.timestamp * 1000).toISOString() : '';
      this.blockTimes.set(ethBlock, at);
    }
    return at;
  }

  /** Anchors as the gateway API describes them, newest first. */
  private async apiAnchors(
    provider: JsonRpcProvider,
    anchors: readonly AnchorEvent[],
  ): Promise<ApiAnchor[]> {
    const items: ApiAnchor[] = [];
    for (const a of [...anchors].reverse()) {
      items.push({
        channel: a.channel,
        blockNumber: Number(a.blockNumber),
        headerHash: a.headerHash,
        ethTxHash: a.txHash,
        explorerUrl: this.chain.explorer.tx(a.txHash),
        anchoredAt: await this.anchoredAt(provider, a.ethBlock),
        member: a.member,
      });
    }
    return items;
  }

  /** GET /audit/anchors: the anchors, newest first. */
  async anchorList(): Promise<{ items: ApiAnchor[] }> {
    const { provider, contract } = await this.connected();
    const anchors = await this.withChain(() => this.anchors(contract));
    return { items: await this.withChain(() => this.apiAnchors(provider, anchors)) };
  }

  /**
   * POST /audit/verify: the full check (every block against the anchors), recorded as the last
   * verification, `by` whom (in the store's terms). Concurrent calls share one run, recorded
   * once as the first caller's: a check reads the whole chain.
   */
  async verify(by?: string): Promise<VerifyReport> {
    this.running ??= (async () => {
      const { contract } = await this.connected();
      const anchors = await this.withChain(() => contract.anchors(this.channel));
      let source: BlockSource;
      try {
        source = await this.blocks();
      } catch {
        fail('LEDGER_UNAVAILABLE');
      }
      const report = await verifyLedger({
        channel: this.channel,
        source,
        anchors,
        explorer: this.chain.explorer,
        contractAddress: contract.address,
      }).catch((e: unknown) =>
        e instanceof DeliverError ? fail('LEDGER_UNAVAILABLE') : Promise.reject(e),
      );
      await this.verifications.record(report, by);
      return report;
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The gateway API's shape of a verify report. */
  static apiReport(r: VerifyReport): ApiVerifyReport {
    const problems = r.problems.map((p) => p.reason);
    if (r.anchorsTotal === 0) problems.push('no anchor recorded yet: nothing proves the history');
    return { ok: r.ok, blocksChecked: r.blocksChecked, anchorsChecked: r.anchorsTotal, problems };
  }

  private async withChain<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (/ECONNREFUSED|fetch failed|socket hang up/.test(String((e as Error)?.message ?? e)))
        fail('ANCHOR_UNAVAILABLE');
      throw e;
    }
  }

  /** The ledger's height as the peer holds it, or undefined when it does not answer. */
  private async ledgerHeight(): Promise<bigint | undefined> {
    try {
      const newest = await (await this.blocks()).newest();
      return BigInt(newest.getHeader()?.getNumber() ?? -1) + 1n;
    } catch {
      return undefined; // coverage is shown as unknown, the anchors still are
    }
  }

  /**
   * GET /audit/overview: the anchors with their links, the coverage (the peer's height against the
   * newest anchor) and the last verification.
   */
  async view(): Promise<ApiAuditOverview> {
    const { provider, chainId, contract } = await this.connected();
    const [anchors, height, lastVerification] = await Promise.all([
      this.withChain(() => this.anchors(contract)),
      this.ledgerHeight(),
      this.verifications.latest(this.channel),
    ]);
    const explorer = this.chain.explorer;
    const last = anchors.at(-1)?.blockNumber;
    // Blocks 0 … last are anchored. A peer still behind the newest anchor has none unanchored.
    const notAnchored =
      height === undefined ? undefined : last === undefined ? height : height - 1n - last;
    return {
      channel: this.channel,
      chain: { kind: this.chain.kind, chainId, explorerUrl: explorer.baseUrl },
      contract: { address: contract.address, explorerUrl: explorer.address(contract.address) },
      anchors: await this.withChain(() => this.apiAnchors(provider, anchors)),
      coverage: {
        ...(height === undefined ? {} : { ledgerHeight: Number(height) }),
        ...(last === undefined ? {} : { lastAnchoredBlock: Number(last) }),
        ...(notAnchored === undefined
          ? {}
          : { blocksNotAnchored: Number(notAnchored > 0n ? notAnchored : 0n) }),
      },
      ...(lastVerification ? { lastVerification } : {}),
    };
  }

  /** The local explorer's transaction page: the transaction, its status and decoded anchors. */
  async transaction(hash: string) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash))
      fail('VALIDATION_FAILED', 'A transaction hash is 0x and 64 hex digits.');
    const { provider, contract } = await this.connected();
    const [tx, receipt] = await Promise.all([
      provider.getTransaction(hash),
      provider.getTransactionReceipt(hash),
    ]);
    if (!tx) fail('NOT_FOUND', 'No such transaction on this chain.');
    return {
      hash,
      from: tx.from,
      to: tx.to,
      blockNumber: receipt?.blockNumber,
      status: receipt ? (receipt.status === 1 ? 'success' : 'reverted') : 'pending',
      gasUsed: receipt?.gasUsed.toString(),
      anchors: (receipt ? contract.parseAnchors(receipt.logs) : []).map((a) => ({
        channel: a.channel,
        blockNumber: a.blockNumber.toString(),
        headerHash: a.headerHash,
        member: a.member,
        anchorer: a.anchorer,
      })),
      links: {
        block: receipt ? this.chain.explorer.block(receipt.blockNumber) : undefined,
        from: this.chain.explorer.address(tx.from),
      },
    };
  }

  /** The local explorer's address page. */
  async address(address: string) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address))
      fail('VALIDATION_FAILED', 'An address is 0x and 40 hex digits.');
    const { provider, contract } = await this.connected();
    const isContract = address.toLowerCase() === contract.address.toLowerCase();
    return {
      address,
      isAnchorContract: isContract,
      codeSize: ((await provider.getCode(address)).length - 2) / 2,
      ...(isContract
        ? { owner: await contract.owner() }
        : { anchorsFor: await contract.memberOf(address) }),
    };
  }

  /** The local explorer's block page. */
  async block(number: string) {
    if (!/^\d{1,15}$/.test(number)) fail('VALIDATION_FAILED', 'A block number is a whole number.');
    const { provider } = await this.connected();
    const block = await provider.getBlock(Number(number));
    if (!block) fail('NOT_FOUND', 'No such block on this chain.');
    return {
      number: block.number,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: new Date(block.timestamp * 1000).toISOString(),
      transactions: block.transactions.map((t) => ({ hash: t, link: this.chain.explorer.tx(t) })),
    };
  }

  async close(): Promise<void> {
    (await this.ownSource?.catch(() => undefined))?.close();
    this.ownSource = undefined;
    const c = await this.connection?.catch(() => undefined);
    c?.provider.destroy();
    this.connection = undefined;
  }
}
