// Follows a channel's blocks in order and accepts each only if it links to the one before
// (data hash, previous hash) and carries a valid orderer signature under the configuration in
// force. The anchoring service anchors only blocks it has followed this way from the genesis,
// so a peer serving a forged or rewritten history is never notarized.
import { verifyBlockLink } from '@ehr/network';
import type { common } from '@hyperledger/fabric-protos';
import type { BlockSource } from '../fabric/deliver';
import { OrdererTrust } from '../fabric/orderer-trust';

export class ChainFollower {
  private trust: OrdererTrust | undefined;
  /** Header hash of each followed block is not kept; only the newest one. */
  private last: { number: bigint; hash: Buffer } | undefined;

  /** Number of the newest accepted block (-1 before the genesis). */
  get height(): bigint {
    return this.last ? this.last.number + 1n : 0n;
  }

  get newest(): { number: bigint; hash: Buffer } | undefined {
    return this.last;
  }

  /** Accepts the next block or throws naming what is wrong with it. */
  accept(block: common.Block): Buffer {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    if (number !== this.height) throw new Error(`expected block ${this.height}, got ${number}`);
    const hash = verifyBlockLink(block, this.last?.hash);
    if (number === 0n) this.trust = OrdererTrust.fromConfigBlock(block);
    else (this.trust as OrdererTrust).check(block);
    this.last = { number, hash };
    return hash;
  }

  /**
   * Follows the source up to block `to`, calling `onBlock` with each accepted block's number and
   * header hash (e.g. to compare with an existing anchor).
   */
  async followTo(
    source: BlockSource,
    to: bigint,
    onBlock?: (number: bigint, hash: Buffer) => void,
  ): Promise<void> {
    if (to < this.height) return;
    for await (const block of source.blocks(this.height, to)) {
      const hash = this.accept(block);
      onBlock?.(this.height - 1n, hash);
    }
  }
}
