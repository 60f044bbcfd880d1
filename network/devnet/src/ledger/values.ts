// Encodings of the ledger's LevelDB values: versioned state values, history entries, transaction
// index entries, block locations.
import { ledger } from '@hyperledger/fabric-protos';
import type { HistoryEntry, VersionedValue } from '../interfaces';
import type { BlockLocation } from './blockfiles';

const { kvrwset } = ledger.rwset;

export function encodeState(v: VersionedValue): Buffer {
  let meta: Uint8Array = new Uint8Array();
  if (v.metadata && Object.keys(v.metadata).length) {
    const w = new kvrwset.KVMetadataWrite();
    w.setEntriesList(
      Object.keys(v.metadata)
        .sort()
        .map((name) => {
          const e = new kvrwset.KVMetadataEntry();
          e.setName(name);
          e.setValue(v.metadata![name]);
          return e;
        }),
    );
    meta = w.serializeBinary();
  }
  const head = Buffer.alloc(16);
  head.writeBigUInt64BE(v.version.blockNum, 0);
  head.writeUInt32BE(v.version.txNum, 8);
  head.writeUInt32BE(meta.length, 12);
  return Buffer.concat([head, meta, v.value]);
}

export function decodeState(b: Buffer): VersionedValue {
  const metaLen = b.readUInt32BE(12);
  const out: VersionedValue = {
    version: { blockNum: b.readBigUInt64BE(0), txNum: b.readUInt32BE(8) },
    value: b.subarray(16 + metaLen),
  };
  if (metaLen) {
    const w = kvrwset.KVMetadataWrite.deserializeBinary(b.subarray(16, 16 + metaLen));
    out.metadata = Object.fromEntries(
      w.getEntriesList().map((e) => [e.getName(), Buffer.from(e.getValue_asU8())]),
    );
  }
  return out;
}

export function encodeHistory(h: HistoryEntry): Buffer {
  const id = Buffer.from(h.txId, 'utf8');
  const head = Buffer.alloc(2 + id.length + 8 + 4 + 1);
  head.writeUInt16BE(id.length, 0);
  id.copy(head, 2);
  head.writeBigInt64BE(h.timestamp.seconds, 2 + id.length);
  head.writeUInt32BE(h.timestamp.nanos, 10 + id.length);
  head.writeUInt8(h.isDelete ? 1 : 0, 14 + id.length);
  return Buffer.concat([head, h.value]);
}

export function decodeHistory(b: Buffer): HistoryEntry {
  const n = b.readUInt16BE(0);
  return {
    txId: b.subarray(2, 2 + n).toString('utf8'),
    timestamp: { seconds: b.readBigInt64BE(2 + n), nanos: b.readUInt32BE(10 + n) },
    isDelete: b.readUInt8(14 + n) === 1,
    value: b.subarray(15 + n),
  };
}

export interface TxIndexEntry {
  blockNumber: bigint;
  txNum: number;
  code: number;
}

export function encodeTxIndex(e: TxIndexEntry): Buffer {
  const b = Buffer.alloc(13);
  b.writeBigUInt64BE(e.blockNumber, 0);
  b.writeUInt32BE(e.txNum, 8);
  b.writeUInt8(e.code, 12);
  return b;
}

export function decodeTxIndex(b: Buffer): TxIndexEntry {
  return { blockNumber: b.readBigUInt64BE(0), txNum: b.readUInt32BE(8), code: b.readUInt8(12) };
}

export function encodeLocation(l: BlockLocation): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(l.file, 0);
  b.writeBigUInt64BE(BigInt(l.offset), 4);
  b.writeUInt32BE(l.length, 12);
  return b;
}

export function decodeLocation(b: Buffer): BlockLocation {
  return {
    file: b.readUInt32BE(0),
    offset: Number(b.readBigUInt64BE(4)),
    length: b.readUInt32BE(12),
  };
}
