// MVCC and phantom-read validation, as core/ledger/kvledger/txmgmt/validation does it: a read is
// valid when no earlier valid transaction of the block wrote the key and the committed version
// equals the version read; a range query is valid when re-running it over committed state
// merged with the block's earlier writes yields the same keys at the same versions.
import { createHash } from 'node:crypto';
import { ledger, peer } from '@hyperledger/fabric-protos';
import type { StateReader, Version } from '../interfaces';
import type { NamespaceRwSet } from '../ledger/transaction';

const Code = peer.TxValidationCode;

interface Update {
  deleted: boolean;
  /** The height of the transaction of this block that wrote the key. */
  version: Version;
}

/** Writes of the block's earlier valid transactions (versions are only compared by presence). */
export class BlockUpdates {
  private readonly byNs = new Map<string, Map<string, Update>>();

  has(ns: string, key: string): boolean {
    return this.byNs.get(ns)?.has(key) ?? false;
  }

  add(nsRwSets: NamespaceRwSet[], version: Version): void {
    for (const { namespace, rwset } of nsRwSets) {
      let keys = this.byNs.get(namespace);
      if (!keys) this.byNs.set(namespace, (keys = new Map()));
      for (const w of rwset.getWritesList()) {
        keys.set(w.getKey(), {
          deleted: w.getIsDelete() || w.getValue_asU8().length === 0,
          version,
        });
      }
      for (const m of rwset.getMetadataWritesList()) {
        const had = keys.get(m.getKey());
        keys.set(m.getKey(), { deleted: had?.deleted ?? false, version });
      }
    }
  }

  /** Updated keys of a namespace in [start, end) (or [start, end] when includeEnd), sorted. */
  inRange(ns: string, start: string, end: string, includeEnd: boolean): [string, Update][] {
    const keys = this.byNs.get(ns);
    if (!keys) return [];
    const s = Buffer.from(start);
    const e = Buffer.from(end);
    return [...keys.entries()]
      .filter(([k]) => {
        const b = Buffer.from(k);
        if (Buffer.compare(b, s) < 0) return false;
        if (end === '') return true;
        const c = Buffer.compare(b, e);
        return includeEnd ? c <= 0 : c < 0;
      })
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}

function sameVersion(a: Version | undefined, b: ledger.rwset.kvrwset.Version | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.blockNum === BigInt(b.getBlockNum()) && a.txNum === b.getTxNum();
}

/** Committed keys and versions of the range, merged with the block's updates (which win). */
async function currentRange(
  ns: string,
  info: ledger.rwset.kvrwset.RangeQueryInfo,
  state: StateReader,
  updates: BlockUpdates,
): Promise<{ key: string; version?: Version; fromBlock: boolean }[]> {
  const includeEnd = !info.getItrExhausted();
  const start = info.getStartKey();
  const end = info.getEndKey();
  const out = new Map<string, { key: string; version?: Version; fromBlock: boolean }>();
  for await (const kv of state.rangeScan(ns, start, end))
    out.set(kv.key, { key: kv.key, version: kv.version, fromBlock: false });
  if (includeEnd && end !== '') {
    const last = await state.getState(ns, end);
    if (last) out.set(end, { key: end, version: last.version, fromBlock: false });
  }
  for (const [key, u] of updates.inRange(ns, start, end, includeEnd)) {
    if (u.deleted) out.delete(key);
    else out.set(key, { key, version: u.version, fromBlock: true });
  }
  return [...out.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

/**
 * Fabric's Merkle summary of range-query results (rwsetutil/query_results_helper.go): leaves
 * are SHA-256 of each run of maxDegree + 1 serialized KVReads, and levels holding more than
 * maxDegree hashes are folded into the next level.
 */
export function merkleSummary(
  reads: ledger.rwset.kvrwset.KVRead[],
  maxDegree: number,
): { maxLevel: number; hashes: Buffer[] } | undefined {
  if (maxDegree < 2) throw new Error(`maxDegree [${maxDegree}] should not be less than 2`);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();
  const tree = new Map<number, Buffer[]>();
  let maxLevel = 1;
  const update = (leaf: Buffer) => {
    tree.set(1, [...(tree.get(1) ?? []), leaf]);
    for (let level = 1; ; level++) {
      const hashes = tree.get(level) ?? [];
      if (hashes.length <= maxDegree) return;
      tree.delete(level);
      tree.set(level + 1, [...(tree.get(level + 1) ?? []), sha(Buffer.concat(hashes))]);
      maxLevel = Math.max(maxLevel, level + 1);
    }
  };
  let pending: ledger.rwset.kvrwset.KVRead[] = [];
  const flush = () => {
    const q = new ledger.rwset.kvrwset.QueryReads();
    q.setKvReadsList(pending);
    pending = [];
    update(sha(q.serializeBinary()));
  };
  for (const r of reads) {
    pending.push(r);
    if (pending.length > maxDegree) flush();
  }
  if (maxLevel === 1 && (tree.get(1) ?? []).length === 0) return undefined; // no hashing happened
  if (pending.length) flush();
  for (let level = 1; level < maxLevel; level++) {
    const hashes = tree.get(level) ?? [];
    if (hashes.length === 0) continue;
    const h = hashes.length === 1 ? hashes[0] : sha(Buffer.concat(hashes));
    tree.delete(level);
    tree.set(level + 1, [...(tree.get(level + 1) ?? []), h]);
  }
  let final = tree.get(maxLevel) ?? [];
  if (final.length > maxDegree) {
    final = [sha(Buffer.concat(final))];
    maxLevel++;
  }
  return { maxLevel, hashes: final };
}

function kvRead(key: string, version?: Version): ledger.rwset.kvrwset.KVRead {
  const r = new ledger.rwset.kvrwset.KVRead();
  r.setKey(key);
  if (version) {
    const v = new ledger.rwset.kvrwset.Version();
    v.setBlockNum(Number(version.blockNum));
    v.setTxNum(version.txNum);
    r.setVersion(v);
  }
  return r;
}

async function rangeStillValid(
  ns: string,
  info: ledger.rwset.kvrwset.RangeQueryInfo,
  state: StateReader,
  updates: BlockUpdates,
): Promise<boolean> {
  const current = await currentRange(ns, info, state, updates);
  const merkle = info.getReadsMerkleHashes();
  if (merkle) {
    // Compare the summary of the current results with the one recorded at simulation.
    let mine: { maxLevel: number; hashes: Buffer[] } | undefined;
    try {
      mine = merkleSummary(
        current.map((c) => kvRead(c.key, c.version)),
        merkle.getMaxDegree(),
      );
    } catch {
      return false;
    }
    const theirs = merkle.getMaxLevelHashesList_asU8();
    return (
      !!mine &&
      mine.maxLevel === merkle.getMaxLevel() &&
      mine.hashes.length === theirs.length &&
      mine.hashes.every((h, i) => h.equals(Buffer.from(theirs[i])))
    );
  }
  const reads = info.getRawReads()?.getKvReadsList() ?? [];
  if (current.length !== reads.length) return false;
  return reads.every((r, i) => {
    const c = current[i];
    // A key written earlier in this block has a new version the read cannot have seen.
    return c.key === r.getKey() && !c.fromBlock && sameVersion(c.version, r.getVersion());
  });
}

/** MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT or VALID for one transaction's read sets. */
export async function validateReadWriteSet(
  nsRwSets: NamespaceRwSet[],
  state: StateReader,
  updates: BlockUpdates,
): Promise<number> {
  for (const { namespace, rwset } of nsRwSets) {
    for (const read of rwset.getReadsList()) {
      if (updates.has(namespace, read.getKey())) return Code.MVCC_READ_CONFLICT;
      const committed = await state.getState(namespace, read.getKey());
      if (!sameVersion(committed?.version, read.getVersion())) return Code.MVCC_READ_CONFLICT;
    }
    for (const info of rwset.getRangeQueriesInfoList()) {
      if (!(await rangeStillValid(namespace, info, state, updates)))
        return Code.PHANTOM_READ_CONFLICT;
    }
  }
  return Code.VALID;
}
