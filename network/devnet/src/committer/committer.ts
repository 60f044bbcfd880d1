// The committer: validates each block the orderer hands over (validator.ts), writes the codes
// into TRANSACTIONS_FILTER, has the ledger make it durable, and only then tells whoever waits:
// CommitStatus (waitForTransaction), chaincode events and Deliver (onBlock).
import { common, peer } from '@hyperledger/fabric-protos';
import type { CommitNotifier, TxStatus } from '../interfaces';
import type { DevnetLedger } from '../ledger/ledger';
import { validateBlock, type ValidationContext } from './validator';

interface Waiter {
  resolve: (status: TxStatus) => void;
  reject: (error: Error) => void;
}

export class Committer implements CommitNotifier {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly listeners = new Set<(block: common.Block) => void>();

  constructor(
    private readonly ledger: DevnetLedger,
    private readonly context: Omit<ValidationContext, 'state' | 'hasTransaction'>,
  ) {}

  /** Validates, stores (fsync) and announces one block. */
  async commit(block: common.Block): Promise<void> {
    const results = await validateBlock(block, {
      ...this.context,
      state: this.ledger,
      hasTransaction: (txId) => this.ledger.hasTransaction(txId),
    });
    const filter = Uint8Array.from(results.map((r) => r.code));
    const list = block.getMetadata()!.getMetadataList_asU8().slice();
    list[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = filter;
    block.getMetadata()!.setMetadataList(list);
    await this.ledger.commitBlock(
      block,
      results.map((r) => r.tx),
    );
    this.announce(
      block,
      results.map((r) => r.tx?.txId),
    );
  }

  /** Announces a block committed outside validation (the genesis block). */
  announce(block: common.Block, txIds: (string | undefined)[]): void {
    const number = BigInt(block.getHeader()!.getNumber());
    const filter = block.getMetadata()!.getMetadataList_asU8()[
      common.BlockMetadataIndex.TRANSACTIONS_FILTER
    ];
    txIds.forEach((txId, i) => {
      if (!txId) return;
      const waiting = this.waiters.get(txId);
      if (!waiting) return;
      this.waiters.delete(txId);
      // A DUPLICATE_TXID copy must not answer for the transaction that was committed first.
      const status =
        filter[i] === peer.TxValidationCode.DUPLICATE_TXID
          ? undefined
          : { code: filter[i], blockNumber: number };
      for (const w of waiting) {
        if (status) w.resolve(status);
        else
          void this.ledger
            .transactionStatus(txId)
            .then((s) => s && w.resolve({ code: s.code, blockNumber: s.blockNumber }));
      }
    });
    for (const listener of this.listeners) {
      try {
        listener(block);
      } catch {
        // A listener's failure is its own; the commit stands.
      }
    }
  }

  async waitForTransaction(txId: string, signal?: AbortSignal): Promise<TxStatus> {
    signal?.throwIfAborted();
    return new Promise<TxStatus>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (s) => {
          cleanup();
          resolve(s);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = () =>
        waiter.reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(txId);
        set?.delete(waiter);
        if (set && set.size === 0) this.waiters.delete(txId);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let set = this.waiters.get(txId);
      if (!set) this.waiters.set(txId, (set = new Set()));
      set.add(waiter);
      // Already committed (before we started waiting)?
      this.ledger.transactionStatus(txId).then(
        (s) => s && waiter.resolve({ code: s.code, blockNumber: s.blockNumber }),
        (e: unknown) => waiter.reject(e as Error),
      );
    });
  }

  onBlock(listener: (block: common.Block) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
