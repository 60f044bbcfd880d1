// The peer's commit hash (core/ledger/kvledger kv_ledger.go addBlockCommitHash), written into
// each block's COMMIT_HASH metadata from block 1 on: SHA-256(varint(len(filter)) ‖ filter ‖
// update bytes ‖ previous commit hash), where the update bytes are Fabric's deterministic
// encoding of the block's state updates (txmgr/update_batch_bytes.go): a txmgr.Updates message
// whose KVWrites are sorted by namespace then key, the namespace set on the first write of each
// namespace, with the value (none for a delete) and the version as order-preserving varints.
// Two ledgers that applied the same blocks to the same state agree on it.
import { createHash } from 'node:crypto';
import type { Version } from '../interfaces';

export interface CommitHashUpdate {
  ns: string;
  key: string;
  /** The value after the block; undefined when the key was deleted. */
  state?: { value: Buffer };
  version: Version;
}

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** Fabric's EncodeOrderPreservingVarUint64: byte count, then the big-endian bytes without leading zeros. */
export function orderPreservingVarUint64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  let start = 0;
  while (start < 8 && b[start] === 0) start++;
  return Buffer.concat([Buffer.from([8 - start]), b.subarray(start)]);
}

function field(number: number, wireType: number, body: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | wireType), body]);
}

const bytesField = (n: number, b: Uint8Array) => field(n, 2, Buffer.concat([varint(b.length), b]));

/** txmgr.Updates as Go's proto.Marshal writes it (fields in number order, defaults omitted). */
export function updateBatchBytes(updates: CommitHashUpdate[]): Buffer {
  const sorted = [...updates]
    .filter((u) => u.ns !== '')
    .sort(
      (a, b) =>
        Buffer.compare(Buffer.from(a.ns), Buffer.from(b.ns)) ||
        Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)),
    );
  const writes = sorted.map((u, i) => {
    const parts: Buffer[] = [];
    if (i === 0 || sorted[i - 1].ns !== u.ns) parts.push(bytesField(1, Buffer.from(u.ns)));
    if (u.key.length) parts.push(bytesField(3, Buffer.from(u.key)));
    if (!u.state) parts.push(field(4, 0, Buffer.from([1])));
    else if (u.state.value.length) parts.push(bytesField(5, u.state.value));
    parts.push(
      bytesField(
        6,
        Buffer.concat([
          orderPreservingVarUint64(u.version.blockNum),
          orderPreservingVarUint64(BigInt(u.version.txNum)),
        ]),
      ),
    );
    return bytesField(1, Buffer.concat(parts));
  });
  return Buffer.concat(writes);
}

/** The next commit hash: previousHex is '' before block 1. */
export function nextCommitHash(
  filter: Uint8Array,
  updates: CommitHashUpdate[],
  previousHex: string,
): Buffer {
  return createHash('sha256')
    .update(varint(filter.length))
    .update(filter)
    .update(updateBatchBytes(updates))
    .update(Buffer.from(previousHex, 'hex'))
    .digest();
}
