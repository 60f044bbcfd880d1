// The channel's ledger: blocks in append-only files (fsynced before anything else sees them),
// and in LevelDB the block index, the transaction-id index, the world state and the history.
// A block is committed in three steps: (1) the block, with its TRANSACTIONS_FILTER and
// COMMIT_HASH, is appended and fsynced; (2) one atomic LevelDB batch indexes it and applies the
// writes of its VALID transactions, with a checkpoint (height, end of the block files); (3) the
// listeners hear of it. After a crash, open() replays every whole block after the checkpoint
// from the files (LevelDB only ever lags the files) and cuts off a torn last block.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { common, peer } from '@hyperledger/fabric-protos';
import type { HistoryEntry, Ledger, VersionedValue } from '../interfaces';
import { BlockFiles, type FilePosition } from './blockfiles';
import {
  blockKey,
  historyKey,
  historyRange,
  keyOfStateKey,
  META_CHECKPOINT,
  PREFIX,
  stateKey,
  stateRange,
  txIdKey,
} from './keys';
import { nextCommitHash, type CommitHashUpdate } from './commit-hash';
import { TxIdFilter } from './txid-filter';
import { parseTransaction, type ParsedTransaction } from './transaction';
import {
  decodeHistory,
  decodeLocation,
  decodeState,
  decodeTxIndex,
  encodeHistory,
  encodeLocation,
  encodeState,
  encodeTxIndex,
  type TxIndexEntry,
} from './values';

const { TxValidationCode } = peer;

interface Checkpoint {
  height: string;
  file: number;
  offset: number;
  commitHash: string;
  lastConfig: string;
  /** Transactions committed, by validation code name. */
  txByCode: Record<string, number>;
}

export interface LedgerStats {
  height: bigint;
  lastConfig: bigint;
  txByCode: Record<string, number>;
}

/** A key's state after the block (state undefined: deleted) and the version that set it. */
interface FinalState extends CommitHashUpdate {
  state?: VersionedValue;
  touched: boolean;
}

interface BlockUpdates {
  txs: (ParsedTransaction | undefined)[];
  finals: FinalState[];
  history: { key: Buffer; value: Buffer }[];
}

/**
 * Codes given before the transaction id was proven to be SHA-256(nonce ‖ creator) by a valid
 * signer: such an id is not indexed, so nobody can occupy another client's transaction id.
 */
const UNPROVEN_TXID = new Set<number>([
  TxValidationCode.NIL_ENVELOPE,
  TxValidationCode.BAD_PAYLOAD,
  TxValidationCode.BAD_COMMON_HEADER,
  TxValidationCode.BAD_CREATOR_SIGNATURE,
  TxValidationCode.BAD_PROPOSAL_TXID,
  TxValidationCode.INVALID_OTHER_REASON,
  TxValidationCode.UNSUPPORTED_TX_PAYLOAD,
]);

const codeName = (code: number) =>
  Object.entries(TxValidationCode).find(([, v]) => v === code)?.[0] ?? `CODE_${code}`;

/** The per-transaction codes of a block (its TRANSACTIONS_FILTER metadata). */
export function transactionsFilter(block: common.Block): Uint8Array {
  return (
    block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ??
    new Uint8Array()
  );
}

function setMetadata(block: common.Block, index: number, value: Uint8Array): void {
  let md = block.getMetadata();
  if (!md) {
    md = new common.BlockMetadata();
    block.setMetadata(md);
  }
  const list = md.getMetadataList_asU8().slice();
  while (list.length <= common.BlockMetadataIndex.COMMIT_HASH) list.push(new Uint8Array());
  list[index] = value;
  md.setMetadataList(list);
}

export class DevnetLedger implements Ledger {
  private checkpoint!: Checkpoint;
  private heightValue = 0n;
  private readonly cache = new Map<bigint, common.Block>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly txIds = new TxIdFilter();

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly files: BlockFiles,
  ) {}

  /** Opens (or creates) the ledger in `dir`, recovering from a crash if needed. */
  static async open(
    dir: string,
    log: (msg: string, data?: object) => void = () => {},
  ): Promise<DevnetLedger> {
    mkdirSync(dir, { recursive: true });
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'index'), {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    });
    await db.open();
    const ledger = new DevnetLedger(db, new BlockFiles(join(dir, 'chains')));
    try {
      await ledger.recover(log);
    } catch (e) {
      await ledger.files.close().catch(() => {});
      await db.close().catch(() => {});
      throw e;
    }
    return ledger;
  }

  private async recover(log: (msg: string, data?: object) => void): Promise<void> {
    const raw = await this.db.get(META_CHECKPOINT);
    this.checkpoint = raw
      ? (JSON.parse(raw.toString('utf8')) as Checkpoint)
      : { height: '0', file: 0, offset: 0, commitHash: '', lastConfig: '0', txByCode: {} };
    this.heightValue = BigInt(this.checkpoint.height);
    for await (const key of this.db.keys({
      gt: Buffer.from([PREFIX.txId]),
      lt: Buffer.from([PREFIX.txId + 1]),
    })) {
      this.txIds.add(key.subarray(1).toString('utf8'));
    }
    const from: FilePosition = { file: this.checkpoint.file, offset: this.checkpoint.offset };
    const { records, truncatedBytes } = await this.files.open(from);
    if (truncatedBytes) log('cut a torn block off the end of the block files', { truncatedBytes });
    for (const record of records) {
      const block = common.Block.deserializeBinary(record.bytes);
      const number = BigInt(block.getHeader()?.getNumber() ?? -1);
      if (number !== this.heightValue) {
        throw new Error(
          `block file holds block ${number} where block ${this.heightValue} was expected`,
        );
      }
      const stored = block.getMetadata()!.getMetadataList_asU8()[
        common.BlockMetadataIndex.COMMIT_HASH
      ];
      const commitHash = stored?.length
        ? Buffer.from(common.Metadata.deserializeBinary(stored).getValue_asU8())
        : Buffer.alloc(0);
      await this.index(
        block,
        record.location,
        commitHash,
        this.files.end(),
        await this.resolveUpdates(block),
      );
      log('replayed block from the block files', { number: number.toString() });
    }
    if (records.length) log('ledger recovered', { height: this.heightValue.toString() });
  }

  height(): bigint {
    return this.heightValue;
  }

  stats(): LedgerStats {
    return {
      height: this.heightValue,
      lastConfig: BigInt(this.checkpoint.lastConfig),
      txByCode: { ...this.checkpoint.txByCode },
    };
  }

  async getBlockBytes(number: bigint): Promise<Buffer | undefined> {
    if (number < 0n || number >= this.heightValue) return undefined;
    const loc = this.db.getSync(blockKey(number));
    if (!loc) return undefined;
    return this.files.read(decodeLocation(loc));
  }

  async getBlock(number: bigint): Promise<common.Block | undefined> {
    const cached = this.cache.get(number);
    if (cached) return cached;
    const bytes = await this.getBlockBytes(number);
    if (!bytes) return undefined;
    const block = common.Block.deserializeBinary(bytes);
    this.remember(number, block);
    return block;
  }

  private remember(number: bigint, block: common.Block): void {
    this.cache.set(number, block);
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
  }

  async transactionStatus(txId: string): Promise<TxIndexEntry | undefined> {
    if (!this.txIds.mightContain(txId)) return undefined;
    const raw = this.db.getSync(txIdKey(txId));
    return raw ? decodeTxIndex(raw) : undefined;
  }

  async hasTransaction(txId: string): Promise<boolean> {
    return (await this.transactionStatus(txId)) !== undefined;
  }

  // Point reads use LevelDB's synchronous get: a cached read takes microseconds, far less than
  // a round trip through the thread pool (the largest ledger cost in the benchmark profile).
  async getState(ns: string, key: string): Promise<VersionedValue | undefined> {
    const raw = this.db.getSync(stateKey(ns, key));
    return raw ? decodeState(raw) : undefined;
  }

  async *rangeScan(
    ns: string,
    startKey: string,
    endKey: string,
  ): AsyncIterable<{ key: string } & VersionedValue> {
    for await (const [k, v] of this.db.iterator(stateRange(ns, startKey, endKey))) {
      yield { key: keyOfStateKey(k, ns), ...decodeState(v) };
    }
  }

  async *history(ns: string, key: string): AsyncIterable<HistoryEntry> {
    for await (const v of this.db.values({ ...historyRange(ns, key), reverse: true }))
      yield decodeHistory(v);
  }

  /**
   * Commits a validated block (TRANSACTIONS_FILTER set by the committer): adds COMMIT_HASH,
   * appends and fsyncs it, then indexes it and applies its valid writes. Blocks are committed
   * one at a time in order; resolves once the block is durable and its state visible.
   */
  commitBlock(block: common.Block, parsed?: (ParsedTransaction | undefined)[]): Promise<void> {
    const run = this.queue.then(() => this.commitNow(block, parsed));
    this.queue = run.catch(() => {});
    return run;
  }

  private async commitNow(
    block: common.Block,
    parsed?: (ParsedTransaction | undefined)[],
  ): Promise<void> {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    if (number !== this.heightValue)
      throw new Error(`block ${number} does not follow height ${this.heightValue}`);
    const updates = await this.resolveUpdates(block, parsed);
    // As a Fabric peer: no commit hash on the genesis block; the chain starts at block 1.
    let commitHash: Buffer = Buffer.alloc(0);
    if (number === 1n || this.checkpoint.commitHash !== '') {
      commitHash = nextCommitHash(
        transactionsFilter(block),
        updates.finals,
        this.checkpoint.commitHash,
      );
      const md = new common.Metadata();
      md.setValue(commitHash);
      setMetadata(block, common.BlockMetadataIndex.COMMIT_HASH, md.serializeBinary());
    }
    const location = await this.files.append(block.serializeBinary());
    await this.index(block, location, commitHash, this.files.end(), updates);
  }

  /**
   * The effect of the block's VALID endorser transactions, applied in transaction order: the
   * final state of every key touched (a value write keeps the key's metadata, a metadata write
   * keeps its value, as Fabric does; an empty value is a delete, as Fabric's rwset builder makes
   * it) and one history entry per value write. `parsed` may hold the committer's parse of
   * transactions (used where complete, so that a replay after a crash, which parses the block
   * itself, gets the same updates).
   */
  private async resolveUpdates(
    block: common.Block,
    parsed?: (ParsedTransaction | undefined)[],
  ): Promise<BlockUpdates> {
    const filter = transactionsFilter(block);
    const blockNum = BigInt(block.getHeader()!.getNumber());
    const finals = new Map<string, FinalState>();
    const history: { key: Buffer; value: Buffer }[] = [];
    const current = async (ns: string, key: string) => {
      const id = stateKey(ns, key).toString('latin1');
      let f = finals.get(id);
      if (!f) {
        const state = await this.getState(ns, key);
        f = { ns, key, state, version: state?.version ?? { blockNum, txNum: 0 }, touched: false };
        finals.set(id, f);
      }
      return f;
    };
    const txs: (ParsedTransaction | undefined)[] = [];
    for (const [txNum, raw] of (block.getData()?.getDataList_asU8() ?? []).entries()) {
      let tx = parsed?.[txNum];
      if (!tx || (tx.type === common.HeaderType.ENDORSER_TRANSACTION && !tx.endorsed)) {
        try {
          tx = parseTransaction(raw);
        } catch {
          tx = undefined;
        }
      }
      txs.push(tx);
      if (!tx?.endorsed || filter[txNum] !== TxValidationCode.VALID) continue;
      const version = { blockNum, txNum };
      for (const { namespace, rwset } of tx.endorsed.nsRwSets) {
        for (const w of rwset.getWritesList()) {
          const bytes = w.getValue_asU8();
          const value = w.getIsDelete() || bytes.length === 0 ? undefined : Buffer.from(bytes);
          const f = await current(namespace, w.getKey());
          f.state = value ? { value, version, metadata: f.state?.metadata } : undefined;
          f.version = version;
          f.touched = true;
          history.push({
            key: historyKey(namespace, w.getKey(), blockNum, txNum),
            value: encodeHistory({
              txId: tx.txId,
              timestamp: tx.timestamp,
              isDelete: !value,
              value: value ?? Buffer.alloc(0),
            }),
          });
        }
        for (const m of rwset.getMetadataWritesList()) {
          const f = await current(namespace, m.getKey());
          if (!f.state) continue; // metadata of a key that does not exist: nothing to update
          const entries = Object.fromEntries(
            m.getEntriesList().map((e) => [e.getName(), Buffer.from(e.getValue_asU8())]),
          );
          f.state = { ...f.state, metadata: entries, version };
          f.version = version;
          f.touched = true;
        }
      }
    }
    return { txs, finals: [...finals.values()].filter((f) => f.touched), history };
  }

  /** Indexes the block and applies its updates in one atomic batch, with the checkpoint. */
  private async index(
    block: common.Block,
    location: { file: number; offset: number; length: number },
    commitHash: Buffer,
    end: FilePosition,
    updates: BlockUpdates,
  ): Promise<void> {
    const number = BigInt(block.getHeader()!.getNumber());
    const filter = transactionsFilter(block);
    const { txs, finals, history } = updates;
    const batch = this.db.batch();
    batch.put(blockKey(number), encodeLocation(location));

    const txByCode = { ...this.checkpoint.txByCode };
    const seen = new Set<string>();
    for (const [txNum, tx] of txs.entries()) {
      const code = filter[txNum] ?? TxValidationCode.NOT_VALIDATED;
      txByCode[codeName(code)] = (txByCode[codeName(code)] ?? 0) + 1;
      if (!tx || !tx.txId || seen.has(tx.txId) || UNPROVEN_TXID.has(code)) continue;
      seen.add(tx.txId);
      // The first transaction with an id keeps the index entry (a later one is a duplicate).
      if (code === TxValidationCode.DUPLICATE_TXID && (await this.db.get(txIdKey(tx.txId))))
        continue;
      batch.put(txIdKey(tx.txId), encodeTxIndex({ blockNumber: number, txNum, code }));
      // Before the batch is visible: the filter may say "maybe" early, never "no" late.
      this.txIds.add(tx.txId);
    }
    for (const h of history) batch.put(h.key, h.value);
    for (const f of finals) {
      if (f.state) batch.put(stateKey(f.ns, f.key), encodeState(f.state));
      else batch.del(stateKey(f.ns, f.key));
    }

    const isConfig = txs.length === 1 && txs[0]?.type === common.HeaderType.CONFIG;
    const checkpoint: Checkpoint = {
      height: (number + 1n).toString(),
      file: end.file,
      offset: end.offset,
      commitHash: commitHash.toString('hex'),
      lastConfig: isConfig ? number.toString() : this.checkpoint.lastConfig,
      txByCode,
    };
    batch.put(META_CHECKPOINT, Buffer.from(JSON.stringify(checkpoint)));
    await batch.write();
    this.checkpoint = checkpoint;
    this.heightValue = number + 1n;
    this.remember(number, block);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.files.close();
    await this.db.close();
  }
}
