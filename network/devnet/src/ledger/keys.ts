// Key layout of the ledger's LevelDB. Namespaces (chaincode names) never contain 0x00, so the
// first 0x00 after the prefix ends the namespace; keys may contain 0x00 (composite keys do).
const enc = (s: string) => Buffer.from(s, 'utf8');

export const PREFIX = { state: 0x01, history: 0x02, txId: 0x03, block: 0x04, meta: 0x05 } as const;

export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function stateKey(ns: string, key: string): Buffer {
  return Buffer.concat([Buffer.from([PREFIX.state]), enc(ns), Buffer.from([0]), enc(key)]);
}

/** [gte, lt) bounds of a namespace's keys in [startKey, endKey); '' endKey: to the end. */
export function stateRange(
  ns: string,
  startKey: string,
  endKey: string,
): { gte: Buffer; lt: Buffer } {
  const lt =
    endKey === ''
      ? Buffer.concat([Buffer.from([PREFIX.state]), enc(ns), Buffer.from([1])])
      : stateKey(ns, endKey);
  return { gte: stateKey(ns, startKey), lt };
}

export function keyOfStateKey(k: Buffer, ns: string): string {
  return k.subarray(1 + Buffer.byteLength(ns) + 1).toString('utf8');
}

function historyPrefix(ns: string, key: string): Buffer {
  const kb = enc(key);
  return Buffer.concat([
    Buffer.from([PREFIX.history]),
    enc(ns),
    Buffer.from([0]),
    u32(kb.length),
    kb,
  ]);
}

export function historyKey(ns: string, key: string, blockNum: bigint, txNum: number): Buffer {
  return Buffer.concat([historyPrefix(ns, key), u64(blockNum), u32(txNum)]);
}

export function historyRange(ns: string, key: string): { gte: Buffer; lt: Buffer } {
  const p = historyPrefix(ns, key);
  return { gte: p, lt: Buffer.concat([p, Buffer.alloc(12, 0xff), Buffer.from([0xff])]) };
}

export const txIdKey = (txId: string) => Buffer.concat([Buffer.from([PREFIX.txId]), enc(txId)]);
export const blockKey = (n: bigint) => Buffer.concat([Buffer.from([PREFIX.block]), u64(n)]);
export const META_CHECKPOINT = Buffer.from([PREFIX.meta, ...enc('checkpoint')]);
