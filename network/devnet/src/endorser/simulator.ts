// Transaction simulation against committed state, recording Fabric's read-write set
// (core/ledger/kvledger/txmgmt/txmgr + rwsetutil): reads with the version seen (no version for a
// missing key), writes and deletes (last one wins), state metadata writes, and for each range
// query a RangeQueryInfo with the keys the chaincode actually consumed (raw reads) and whether
// it reached the end. Like Fabric's LevelDB simulator there is no read-your-own-writes, and a
// transaction that ran a paginated query may not write (and vice versa).
import { ledger } from '@hyperledger/fabric-protos';
import type { HistoryEntry, StateReader, Version, VersionedValue } from '../interfaces';

const { kvrwset } = ledger.rwset;

export class SimulationError extends Error {
  override name = 'SimulationError';
}

interface NsRecord {
  reads: Map<string, Version | undefined>;
  writes: Map<string, { isDelete: boolean; value: Buffer }>;
  metadataWrites: Map<string, Record<string, Buffer>>;
  rangeQueries: ledger.rwset.kvrwset.RangeQueryInfo[];
}

export interface RangeResult {
  key: string;
  value: Buffer;
}

/** An open range scan whose consumed keys go into the transaction's RangeQueryInfo. */
export class RangeIterator {
  private readonly source: AsyncIterator<{ key: string } & VersionedValue>;
  private readonly info = new kvrwset.RangeQueryInfo();
  private readonly rawReads: ledger.rwset.kvrwset.KVRead[] = [];
  private returned = 0;
  private done = false;
  private peeked?: { key: string } & VersionedValue;

  constructor(
    state: StateReader,
    namespace: string,
    startKey: string,
    private readonly endKey: string,
    /** 0: unbounded; otherwise a page of this size (Fabric's pagination). */
    private readonly pageSize: number,
    record: (info: ledger.rwset.kvrwset.RangeQueryInfo) => void,
  ) {
    this.source = state.rangeScan(namespace, startKey, endKey)[Symbol.asyncIterator]();
    this.info.setStartKey(startKey);
    record(this.info);
  }

  /** The next result, or undefined when the range (or page) is exhausted. */
  async next(): Promise<RangeResult | undefined> {
    if (this.done) return undefined;
    if (this.pageSize > 0 && this.returned >= this.pageSize) return this.exhaust();
    const item = this.peeked ?? (await this.pull());
    this.peeked = undefined;
    if (!item) return this.exhaust();
    this.returned++;
    this.rawReads.push(kvRead(item.key, item.version));
    this.info.setEndKey(item.key);
    this.sync();
    return { key: item.key, value: item.value };
  }

  /** For pagination: the key after the page ('' when none), as Fabric's bookmark. */
  async bookmark(): Promise<string> {
    if (this.pageSize === 0) return '';
    this.peeked ??= await this.pull();
    return this.peeked?.key ?? '';
  }

  private async pull(): Promise<({ key: string } & VersionedValue) | undefined> {
    const r = await this.source.next();
    return r.done ? undefined : r.value;
  }

  private exhaust(): undefined {
    this.done = true;
    this.info.setItrExhausted(true);
    this.info.setEndKey(this.endKey);
    this.sync();
    return undefined;
  }

  private sync(): void {
    const raw = new kvrwset.QueryReads();
    raw.setKvReadsList(this.rawReads);
    this.info.setRawReads(raw);
  }

  async close(): Promise<void> {
    this.done = true;
    await this.source.return?.();
  }
}

function kvRead(key: string, version: Version | undefined): ledger.rwset.kvrwset.KVRead {
  const r = new kvrwset.KVRead();
  r.setKey(key);
  if (version) {
    const v = new kvrwset.Version();
    v.setBlockNum(Number(version.blockNum));
    v.setTxNum(version.txNum);
    r.setVersion(v);
  }
  return r;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkKey(key: string): void {
  // Fabric's LevelDB state refuses keys that are not valid UTF-8 (a lone surrogate here).
  if (LONE_SURROGATE.test(key)) {
    throw new SimulationError(
      `invalid key [${Buffer.from(key).toString('hex')}], must be a UTF-8 string`,
    );
  }
}

export class TxSimulator {
  private readonly namespaces = new Map<string, NsRecord>();
  private writePerformed = false;
  private paginatedQueryPerformed = false;
  private readonly iterators = new Set<RangeIterator>();

  constructor(
    private readonly state: StateReader,
    readonly txId: string,
  ) {}

  private ns(namespace: string): NsRecord {
    let r = this.namespaces.get(namespace);
    if (!r) {
      r = { reads: new Map(), writes: new Map(), metadataWrites: new Map(), rangeQueries: [] };
      this.namespaces.set(namespace, r);
    }
    return r;
  }

  private async read(namespace: string, key: string): Promise<VersionedValue | undefined> {
    const vv = await this.state.getState(namespace, key);
    const ns = this.ns(namespace);
    if (!ns.reads.has(key)) ns.reads.set(key, vv?.version);
    return vv;
  }

  async getState(namespace: string, key: string): Promise<Buffer | undefined> {
    return (await this.read(namespace, key))?.value;
  }

  async getStateMetadata(namespace: string, key: string): Promise<Record<string, Buffer>> {
    return (await this.read(namespace, key))?.metadata ?? {};
  }

  private checkWrite(key: string): void {
    if (this.paginatedQueryPerformed) {
      throw new SimulationError(
        `txid [${this.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
    checkKey(key);
    this.writePerformed = true;
  }

  putState(namespace: string, key: string, value: Buffer): void {
    this.checkWrite(key);
    this.ns(namespace).writes.set(key, { isDelete: false, value });
  }

  deleteState(namespace: string, key: string): void {
    this.checkWrite(key);
    this.ns(namespace).writes.set(key, { isDelete: true, value: Buffer.alloc(0) });
  }

  setStateMetadata(namespace: string, key: string, metadata: Record<string, Buffer>): void {
    this.checkWrite(key);
    this.ns(namespace).metadataWrites.set(key, metadata);
  }

  rangeScan(namespace: string, startKey: string, endKey: string, pageSize = 0): RangeIterator {
    if (pageSize > 0) {
      if (this.writePerformed) {
        throw new SimulationError(
          `txid [${this.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
        );
      }
      this.paginatedQueryPerformed = true;
    }
    const ns = this.ns(namespace);
    const it = new RangeIterator(this.state, namespace, startKey, endKey, pageSize, (info) =>
      ns.rangeQueries.push(info),
    );
    this.iterators.add(it);
    return it;
  }

  history(namespace: string, key: string): AsyncIterator<HistoryEntry> {
    return this.state.history(namespace, key)[Symbol.asyncIterator]();
  }

  /** The keys of a namespace the transaction writes (values or metadata), in no order. */
  writtenKeys(namespace: string): string[] {
    const rec = this.namespaces.get(namespace);
    return rec ? [...new Set([...rec.writes.keys(), ...rec.metadataWrites.keys()])] : [];
  }

  /** Closes open iterators (their range info stays as consumed so far). */
  async done(): Promise<void> {
    await Promise.all([...this.iterators].map((i) => i.close()));
    this.iterators.clear();
  }

  /** The public TxReadWriteSet bytes, namespaces and keys sorted as Fabric's RWSetBuilder does. */
  results(): Uint8Array {
    const txrw = new ledger.rwset.TxReadWriteSet();
    txrw.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
    const nsSets: ledger.rwset.NsReadWriteSet[] = [];
    for (const name of [...this.namespaces.keys()].sort(byteOrder)) {
      const rec = this.namespaces.get(name)!;
      const kv = new kvrwset.KVRWSet();
      kv.setReadsList(
        [...rec.reads.keys()].sort(byteOrder).map((k) => kvRead(k, rec.reads.get(k))),
      );
      kv.setRangeQueriesInfoList(rec.rangeQueries);
      kv.setWritesList(
        [...rec.writes.keys()].sort(byteOrder).map((k) => {
          const w = new kvrwset.KVWrite();
          const { isDelete, value } = rec.writes.get(k)!;
          w.setKey(k);
          w.setIsDelete(isDelete);
          if (!isDelete) w.setValue(value);
          return w;
        }),
      );
      kv.setMetadataWritesList(
        [...rec.metadataWrites.keys()].sort(byteOrder).map((k) => {
          const mw = new kvrwset.KVMetadataWrite();
          mw.setKey(k);
          const md = rec.metadataWrites.get(k)!;
          mw.setEntriesList(
            Object.keys(md)
              .sort(byteOrder)
              .map((name) => {
                const e = new kvrwset.KVMetadataEntry();
                e.setName(name);
                e.setValue(md[name]!);
                return e;
              }),
          );
          return mw;
        }),
      );
      const ns = new ledger.rwset.NsReadWriteSet();
      ns.setNamespace(name);
      ns.setRwset(kv.serializeBinary());
      nsSets.push(ns);
    }
    txrw.setNsRwsetList(nsSets);
    return txrw.serializeBinary();
  }
}

/** Go's string order: bytes of the UTF-8 encoding. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
