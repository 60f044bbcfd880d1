// Typed access to a deployed EhrAnchor contract: anchoring, owner management, the latest view
// and the full list of anchor events of a channel.
import {
  Contract,
  ContractFactory,
  decodeBytes32String,
  encodeBytes32String,
  type ContractRunner,
  type Log,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from 'ethers';
import { loadArtifact } from './compile';

/**
 * A name as the contract's bytes32 (UTF-8, zero-padded). Fabric channel names and MSP ids here
 * are short ASCII; a name of 32 bytes or more is refused rather than hashed, so an auditor reads
 * it back in plain text on Etherscan.
 */
export function toBytes32(name: string): string {
  if (!name) throw new Error('empty name');
  if (Buffer.byteLength(name) > 31) throw new Error(`"${name}" is longer than 31 bytes`);
  return encodeBytes32String(name);
}

export interface AnchorEvent {
  channel: string;
  blockNumber: bigint;
  /** 0x-prefixed hex of the anchored block header hash. */
  headerHash: string;
  member: string;
  anchorer: string;
  /** Ethereum block and transaction of the anchor. */
  ethBlock: number;
  txHash: string;
  logIndex: number;
  previousEthBlock: number;
}

export interface LatestAnchor {
  blockNumber: bigint;
  ethBlock: number;
  count: number;
}

export class AnchorContract {
  readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, loadArtifact().abi as never, runner);
  }

  static async deploy(
    signer: Signer,
    owner?: string,
  ): Promise<{ contract: AnchorContract; receipt: TransactionReceipt }> {
    const artifact = loadArtifact();
    const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
    const deployed = await factory.deploy(owner ?? (await signer.getAddress()));
    const receipt = await deployed.deploymentTransaction()?.wait();
    if (!receipt || receipt.status !== 1) throw new Error('the deploy transaction failed');
    return { contract: new AnchorContract(await deployed.getAddress(), signer), receipt };
  }

  /**
   * The contract's custom error a failed call or transaction reverted with (e.g. NotAnchorer),
   * or undefined when the failure was not a revert of this contract.
   */
  revertName(error: unknown): string | undefined {
    const e = error as {
      revert?: { name?: string };
      data?: string;
      info?: { error?: { data?: string } };
    };
    if (e?.revert?.name) return e.revert.name;
    const data = e?.data ?? e?.info?.error?.data;
    if (typeof data !== 'string' || data.length < 10) return undefined;
    try {
      return this.contract.interface.parseError(data)?.name;
    } catch {
      return undefined;
    }
  }

  connect(runner: ContractRunner): AnchorContract {
    return new AnchorContract(this.address, runner);
  }

  private get provider(): Provider {
    const provider = this.contract.runner?.provider;
    if (!provider) throw new Error('the contract runner has no provider');
    return provider;
  }

  /** Whether the address holds this contract's code (false e.g. after the local chain was reset). */
  async isDeployed(): Promise<boolean> {
    const code = await this.provider.getCode(this.address);
    return code === loadArtifact().deployedBytecode;
  }

  async owner(): Promise<string> {
    return (await this.contract.getFunction('owner')()) as string;
  }

  async anchorerOf(member: string): Promise<string> {
    return (await this.contract.getFunction('anchorerOf')(toBytes32(member))) as string;
  }

  async memberOf(address: string): Promise<string | undefined> {
    const raw = (await this.contract.getFunction('memberOf')(address)) as string;
    return /^0x0+$/.test(raw) ? undefined : decodeBytes32String(raw);
  }

  async setAnchorer(member: string, anchorer: string): Promise<TransactionReceipt> {
    return this.send('setAnchorer', toBytes32(member), anchorer);
  }

  async removeAnchorer(member: string): Promise<TransactionReceipt> {
    return this.send('removeAnchorer', toBytes32(member));
  }

  async anchor(
    channel: string,
    blockNumber: bigint,
    headerHash: Uint8Array | string,
  ): Promise<TransactionReceipt> {
    const hash =
      typeof headerHash === 'string' ? headerHash : `0x${Buffer.from(headerHash).toString('hex')}`;
    return this.send('anchor', toBytes32(channel), blockNumber, hash);
  }

  private async send(method: string, ...args: unknown[]): Promise<TransactionReceipt> {
    const tx = await this.contract.getFunction(method)(...args);
    const receipt = (await tx.wait()) as TransactionReceipt | null;
    if (!receipt || receipt.status !== 1) throw new Error(`${method} failed`);
    return receipt;
  }

  async latest(channel: string): Promise<LatestAnchor> {
    const [blockNumber, ethBlock, count] = (await this.contract.getFunction('latest')(
      toBytes32(channel),
    )) as [bigint, bigint, bigint];
    return { blockNumber, ethBlock: Number(ethBlock), count: Number(count) };
  }

  /** Decodes Anchored events of logs (others are skipped). */
  parseAnchors(logs: readonly Log[]): AnchorEvent[] {
    const out: AnchorEvent[] = [];
    for (const log of logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const parsed = this.contract.interface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed?.name !== 'Anchored') continue;
      out.push({
        channel: decodeBytes32String(parsed.args.channel as string),
        blockNumber: parsed.args.blockNumber as bigint,
        headerHash: parsed.args.headerHash as string,
        member: decodeBytes32String(parsed.args.member as string),
        anchorer: parsed.args.anchorer as string,
        ethBlock: log.blockNumber,
        txHash: log.transactionHash,
        logIndex: log.index,
        previousEthBlock: Number(parsed.args.previousEthBlock as bigint),
      });
    }
    return out;
  }

  private async anchorsInBlock(channel: string, ethBlock: number): Promise<AnchorEvent[]> {
    const topic = this.contract.interface.getEvent('Anchored')?.topicHash;
    const logs = await this.provider.getLogs({
      address: this.address,
      fromBlock: ethBlock,
      toBlock: ethBlock,
      topics: [topic ?? null, toBytes32(channel)],
    });
    return this.parseAnchors(logs).sort((a, b) => a.logIndex - b.logIndex);
  }

  /**
   * The anchors of `channel`, oldest first: all of them, or only the newest `newest` ones. Walks
   * back from `latest` through each event's previousEthBlock with exact-block log queries (public
   * RPC nodes limit log ranges), and checks it finds the count the contract keeps, in strictly
   * increasing block numbers.
   */
  async anchors(channel: string, newest?: number): Promise<AnchorEvent[]> {
    const latest = await this.latest(channel);
    const wanted = Math.min(latest.count, newest ?? latest.count);
    const found: AnchorEvent[] = [];
    let ethBlock = latest.ethBlock;
    let above = latest.blockNumber + 1n; // every anchor still to find is below this number
    while (found.length < wanted) {
      const inBlock = (await this.anchorsInBlock(channel, ethBlock)).filter(
        (a) => a.blockNumber < above,
      );
      if (inBlock.length === 0) {
        throw new Error(
          `anchor history of ${channel} broken: no anchor below block ${above} in Ethereum block ${ethBlock}`,
        );
      }
      found.unshift(...inBlock);
      above = inBlock[0].blockNumber;
      ethBlock = inBlock[0].previousEthBlock;
    }
    if (newest === undefined && found.length !== latest.count) {
      throw new Error(
        `anchor history of ${channel}: found ${found.length} anchors, the contract counts ${latest.count}`,
      );
    }
    found.splice(0, found.length - wanted);
    for (let i = 1; i < found.length; i++) {
      if (found[i].blockNumber <= found[i - 1].blockNumber)
        throw new Error(`anchor history of ${channel} is not increasing`);
    }
    return found;
  }
}
