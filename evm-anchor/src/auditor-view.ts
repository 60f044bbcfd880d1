// What the portal's auditor view shows, for the gateway to serve: the anchors of the channel
// with their explorer links, how many blocks are not yet anchored, the anchoring service's state
// and the last verify result; and, for the local chain, the pages behind the "explorer" links
// (transaction, address, block), read from the node as Etherscan would show them.
import { CodedError, type ErrorCode } from '@ehr/common';
import type { Network } from '@ehr/network';
import type { JsonRpcProvider } from 'ethers';
import { chainFromEnv, connectChain, ChainUnavailableError, type ChainConfig } from './chain';
import type { AnchorContract, AnchorEvent } from './contract/anchor-contract';
import { openContract } from './deployment';
import { DeliverError, type BlockSource } from './fabric/deliver';
import { openBlockSource, readerConfig } from './fabric/member-identity';
import type { ServiceStatus } from './service/anchoring-service';
import { lastVerifyFile, readJson, statusFile, writeJson } from './state-files';
import { verifyLedger, type VerifyReport } from './verify/verify-ledger';

export interface AuditorAnchor {
  blockNumber: string;
  headerHash: string;
  member: string;
  anchorer: string;
  ethBlock: number;
  txHash: string;
  link: string;
}

export interface AuditorView {
  channel: string;
  chain: { kind: ChainConfig['kind']; chainId: number; explorer: string };
  contract: { address: string; link: string };
  anchors: AuditorAnchor[];
  coverage: {
    /** Blocks in the ledger (undefined when no peer could be asked). */
    ledgerHeight?: string;
    lastAnchoredBlock?: string;
    /** Blocks committed after the newest anchor. */
    blocksNotAnchored?: string;
  };
  service?: ServiceStatus;
  lastVerification?: {
    ok: boolean;
    checkedAt: string;
    blocksChecked: number;
    anchorsMatched: number;
    anchorsTotal: number;
    firstMismatch?: string;
  };
}

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
  readonly channel: string;

  constructor(
    private readonly net: Network,
    private readonly opts: AnchorAuditorOptions = {},
  ) {
    const env = opts.env ?? process.env;
    this.chain = chainFromEnv(net, env, { readOnly: true });
    this.channel = env.ANCHOR_CHANNEL ?? net.channel;
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

  /** GET /audit/anchors: the anchors, newest first, as the gateway API describes them. */
  async anchorList(): Promise<{ items: ApiAnchor[] }> {
    const { provider, contract } = await this.connected();
    const anchors = await this.withChain(() => this.anchors(contract));
    const items: ApiAnchor[] = [];
    for (const a of [...anchors].reverse()) {
      items.push({
        channel: a.channel,
        blockNumber: Number(a.blockNumber),
        headerHash: a.headerHash,
        ethTxHash: a.txHash,
        explorerUrl: this.chain.explorer.tx(a.txHash),
        anchoredAt: await this.anchoredAt(provider, a.ethBlock),
      });
    }
    return { items };
  }

  /**
   * POST /audit/verify: the full check (every block against the anchors), recorded as the last
   * verification. Concurrent calls share one run: a check reads the whole chain.
   */
  async verify(): Promise<VerifyReport> {
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
      writeJson(lastVerifyFile(this.net, this.channel), report);
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

  async view(): Promise<AuditorView> {
    const { chainId, contract } = await this.connected();
    const anchors = await this.withChain(() => this.anchors(contract));
    const explorer = this.chain.explorer;
    const last = anchors.at(-1);
    let ledgerHeight: bigint | undefined;
    try {
      const newest = await (await this.blocks()).newest();
      ledgerHeight = BigInt(newest.getHeader()?.getNumber() ?? -1) + 1n;
    } catch {
      ledgerHeight = undefined; // coverage is shown as unknown, the anchors still are
    }
    const report = readJson<VerifyReport & { firstMismatch?: { reason: string } }>(
      lastVerifyFile(this.net, this.channel),
    );
    return {
      channel: this.channel,
      chain: { kind: this.chain.kind, chainId, explorer: explorer.baseUrl },
      contract: { address: contract.address, link: explorer.address(contract.address) },
      anchors: anchors
        .map((a) => ({
          blockNumber: a.blockNumber.toString(),
          headerHash: a.headerHash,
          member: a.member,
          anchorer: a.anchorer,
          ethBlock: a.ethBlock,
          txHash: a.txHash,
          link: explorer.tx(a.txHash),
        }))
        .reverse(),
      coverage: {
        ledgerHeight: ledgerHeight?.toString(),
        lastAnchoredBlock: last?.blockNumber.toString(),
        blocksNotAnchored:
          ledgerHeight === undefined
            ? undefined
            : (last ? ledgerHeight - 1n - last.blockNumber : ledgerHeight).toString(),
      },
      service: readJson<ServiceStatus>(statusFile(this.net, this.channel)),
      lastVerification: report && {
        ok: report.ok,
        checkedAt: report.checkedAt,
        blocksChecked: report.blocksChecked,
        anchorsMatched: report.anchorsMatched,
        anchorsTotal: report.anchorsTotal,
        firstMismatch: report.firstMismatch?.reason,
      },
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
