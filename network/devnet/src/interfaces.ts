// The seams between devnet's parts, which mirror Fabric's own split:
//   peer side   — gateway/ (gateway.Gateway service), endorser/ (proposal checks, simulation,
//                 signed proposal responses), chaincode/ (chaincode support: the shim protocol
//                 over protos.Chaincode/Connect to CCaaS servers), msp/, policies/
//   ordering    — orderer/ (broadcast, block cutter by count/bytes/timeout, block signing)
//   commit      — committer/ (per-transaction validation: signatures, creator, duplicate txid,
//                 endorsement policy, MVCC + phantom reads; TRANSACTIONS_FILTER)
//   ledger      — ledger/ (append-only block files + index, state and history in LevelDB,
//                 recovery of a torn tail), deliver/ (protos.Deliver), channelconfig/
// The read-write sets exchanged are Fabric's own protobufs (rwset.TxReadWriteSet, kvrwset.*).
import type { common } from '@hyperledger/fabric-protos';

/** Fabric's ledger version of a key: the block and transaction that last wrote it. */
export interface Version {
  blockNum: bigint;
  txNum: number;
}

export interface VersionedValue {
  value: Buffer;
  version: Version;
  /** State metadata (e.g. key-level endorsement policies), by name. */
  metadata?: Record<string, Buffer>;
}

export interface HistoryEntry {
  txId: string;
  /** Timestamp of the transaction's channel header. */
  timestamp: { seconds: bigint; nanos: number };
  isDelete: boolean;
  value: Buffer;
}

/** What simulation reads: committed state only (like Fabric's LevelDB state database). */
export interface StateReader {
  getState(namespace: string, key: string): Promise<VersionedValue | undefined>;
  /** Keys in [startKey, endKey) in byte order; endKey '' means to the end of the namespace. */
  rangeScan(
    namespace: string,
    startKey: string,
    endKey: string,
  ): AsyncIterable<{ key: string } & VersionedValue>;
  /** Newest first, as Fabric returns it. */
  history(namespace: string, key: string): AsyncIterable<HistoryEntry>;
}

export interface Ledger extends StateReader {
  /** Number of committed blocks. */
  height(): bigint;
  getBlock(number: bigint): Promise<common.Block | undefined>;
  /** Whether a transaction id is already in a committed block (any validation code). */
  hasTransaction(txId: string): Promise<boolean>;
}

export interface TxStatus {
  /** protos.TxValidationCode */
  code: number;
  blockNumber: bigint;
}

/** The peer's view of commits: the gateway's CommitStatus and ChaincodeEvents, and Deliver. */
export interface CommitNotifier {
  /** Resolves once the transaction is in a block that is durable on disk. */
  waitForTransaction(txId: string, signal?: AbortSignal): Promise<TxStatus>;
  /** Called after each block is durable; returns an unsubscribe function. */
  onBlock(listener: (block: common.Block) => void): () => void;
}

/** Fabric's AtomicBroadcast as the gateway's Submit uses it. */
export interface Orderer {
  /** Accepts a signed transaction envelope for ordering; throws a gRPC-status error when refused. */
  broadcast(envelope: Uint8Array): Promise<void>;
}

/**
 * Thrown by Orderer.broadcast when the orderer refuses an envelope: Fabric's unsuccessful
 * BroadcastResponse (status is a common.Status: BAD_REQUEST, FORBIDDEN, NOT_FOUND,
 * SERVICE_UNAVAILABLE). The gateway's Submit reports it as Fabric's gateway does (Aborted,
 * "received unsuccessful response from orderer: status=…, info=…").
 */
export class BroadcastRefusedError extends Error {
  override name = 'BroadcastRefusedError';
  constructor(
    readonly status: number,
    readonly info: string,
  ) {
    super(info);
  }
}
