// One transaction's execution context on the peer side of the shim protocol (Fabric's
// TransactionContext + the Handle* methods of core/chaincode/handler.go): serves the
// chaincode's state requests from the transaction simulator, keeps its query iterators and
// builds QueryResponses in batches of 100 as Fabric's QueryResponseGenerator does.
import { ledger, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { HistoryEntry } from '../interfaces';
import type { RangeIterator, TxSimulator } from '../endorser/simulator';

const Type = peer.ChaincodeMessage.Type;

/** Fabric's QueryResponseGenerator.MaxResultLimit. */
const MAX_RESULT_LIMIT = 100;
/** Fabric's ledger.state.totalQueryLimit (core.yaml). */
export const TOTAL_QUERY_LIMIT = 100_000;

export class ShimRequestError extends Error {
  override name = 'ShimRequestError';
}

type QueryIterator =
  | {
      kind: 'range';
      it: RangeIterator;
      paginated: boolean;
      limit: number;
      count: number;
      held?: Uint8Array;
    }
  | {
      kind: 'history';
      it: AsyncIterator<HistoryEntry>;
      limit: number;
      count: number;
      held?: Uint8Array;
    };

export class TransactionContext {
  private readonly iterators = new Map<string, QueryIterator>();
  private nextIteratorId = 0;

  constructor(
    readonly channelId: string,
    readonly txId: string,
    /** The chaincode's namespace in state. */
    readonly namespace: string,
    readonly signedProposal: peer.SignedProposal,
    readonly simulator: TxSimulator,
  ) {}

  /** Handles one request from the chaincode; returns the RESPONSE payload or throws. */
  async handle(type: number, payload: Uint8Array): Promise<Uint8Array> {
    const sim = this.simulator;
    const ns = this.namespace;
    switch (type) {
      case Type.GET_STATE: {
        const m = peer.GetState.deserializeBinary(payload);
        noCollection(m.getCollection());
        return (await sim.getState(ns, m.getKey())) ?? new Uint8Array();
      }
      case Type.GET_STATE_MULTIPLE: {
        const m = peer.GetStateMultiple.deserializeBinary(payload);
        noCollection(m.getCollection());
        const values = await Promise.all(m.getKeysList().map((k) => sim.getState(ns, k)));
        const r = new peer.GetStateMultipleResult();
        r.setValuesList(values.map((v) => v ?? new Uint8Array()));
        return r.serializeBinary();
      }
      case Type.PUT_STATE: {
        const m = peer.PutState.deserializeBinary(payload);
        noCollection(m.getCollection());
        sim.putState(ns, m.getKey(), Buffer.from(m.getValue_asU8()));
        return new Uint8Array();
      }
      case Type.DEL_STATE: {
        const m = peer.DelState.deserializeBinary(payload);
        noCollection(m.getCollection());
        sim.deleteState(ns, m.getKey());
        return new Uint8Array();
      }
      case Type.GET_STATE_METADATA: {
        const m = peer.GetStateMetadata.deserializeBinary(payload);
        noCollection(m.getCollection());
        const md = await sim.getStateMetadata(ns, m.getKey());
        const r = new peer.StateMetadataResult();
        r.setEntriesList(
          Object.entries(md).map(([metakey, value]) => {
            const e = new peer.StateMetadata();
            e.setMetakey(metakey);
            e.setValue(value);
            return e;
          }),
        );
        return r.serializeBinary();
      }
      case Type.PUT_STATE_METADATA: {
        const m = peer.PutStateMetadata.deserializeBinary(payload);
        noCollection(m.getCollection());
        const md = m.getMetadata();
        if (!md) throw new ShimRequestError('metadata is nil');
        sim.setStateMetadata(ns, m.getKey(), {
          [md.getMetakey()]: Buffer.from(md.getValue_asU8()),
        });
        return new Uint8Array();
      }
      case Type.GET_STATE_BY_RANGE: {
        const m = peer.GetStateByRange.deserializeBinary(payload);
        noCollection(m.getCollection());
        const meta = queryMetadata(m.getMetadata_asU8());
        const paginated = meta !== undefined && meta.getPagesize() > 0;
        const pageSize = paginated ? meta!.getPagesize() : 0;
        const startKey = paginated && meta!.getBookmark() ? meta!.getBookmark() : m.getStartkey();
        const it = sim.rangeScan(ns, startKey, m.getEndkey(), pageSize);
        const id = this.newIteratorId();
        this.iterators.set(id, {
          kind: 'range',
          it,
          paginated,
          limit: returnLimit(pageSize),
          count: 0,
        });
        return (await this.batch(id)).serializeBinary();
      }
      case Type.GET_HISTORY_FOR_KEY: {
        const m = peer.GetHistoryForKey.deserializeBinary(payload);
        const id = this.newIteratorId();
        this.iterators.set(id, {
          kind: 'history',
          it: sim.history(ns, m.getKey()),
          limit: TOTAL_QUERY_LIMIT,
          count: 0,
        });
        return (await this.batch(id)).serializeBinary();
      }
      case Type.QUERY_STATE_NEXT: {
        const m = peer.QueryStateNext.deserializeBinary(payload);
        if (!this.iterators.has(m.getId())) throw new ShimRequestError('query iterator not found');
        return (await this.batch(m.getId())).serializeBinary();
      }
      case Type.QUERY_STATE_CLOSE: {
        const m = peer.QueryStateClose.deserializeBinary(payload);
        await this.closeIterator(m.getId());
        const r = new peer.QueryResponse();
        r.setHasMore(false);
        r.setId(m.getId());
        return r.serializeBinary();
      }
      case Type.GET_QUERY_RESULT: {
        // What a peer with LevelDB as its state database answers: rich queries need CouchDB.
        const m = peer.GetQueryResult.deserializeBinary(payload);
        const meta = queryMetadata(m.getMetadata_asU8());
        throw new ShimRequestError(
          meta && meta.getPagesize() > 0
            ? 'ExecuteQueryWithMetadata not supported for leveldb'
            : 'ExecuteQuery not supported for leveldb',
        );
      }
      case Type.GET_PRIVATE_DATA_HASH:
      case Type.PURGE_PRIVATE_DATA:
        throw new ShimRequestError('private data collections are not defined for this chaincode');
      case Type.INVOKE_CHAINCODE:
        throw new ShimRequestError('chaincode-to-chaincode invocation is not supported by devnet');
      default:
        throw new ShimRequestError(`cannot handle message type ${typeName(type)}`);
    }
  }

  private newIteratorId(): string {
    return `${this.txId.slice(0, 8)}-${this.nextIteratorId++}`;
  }

  private async closeIterator(id: string): Promise<void> {
    const q = this.iterators.get(id);
    if (!q) return;
    this.iterators.delete(id);
    if (q.kind === 'range') await q.it.close();
    else await q.it.return?.();
  }

  /** Closes every iterator still open (end of the transaction). */
  async close(): Promise<void> {
    await Promise.all([...this.iterators.keys()].map((id) => this.closeIterator(id)));
  }

  private async nextResult(q: QueryIterator): Promise<Uint8Array | undefined> {
    if (q.kind === 'range') {
      const r = await q.it.next();
      if (!r) return undefined;
      const kv = new ledger.queryresult.KV();
      kv.setNamespace(this.namespace);
      kv.setKey(r.key);
      kv.setValue(r.value);
      return kv.serializeBinary();
    }
    const r = await q.it.next();
    if (r.done) return undefined;
    const e = r.value;
    const km = new ledger.queryresult.KeyModification();
    km.setTxId(e.txId);
    km.setValue(e.value);
    const ts = new Timestamp();
    ts.setSeconds(Number(e.timestamp.seconds));
    ts.setNanos(e.timestamp.nanos);
    km.setTimestamp(ts);
    km.setIsDelete(e.isDelete);
    return km.serializeBinary();
  }

  /** Fabric's BuildQueryResponse for one batch of an iterator. */
  private async batch(id: string): Promise<peer.QueryResponse> {
    const q = this.iterators.get(id)!;
    const results: Uint8Array[] = [];
    if (q.held) {
      results.push(q.held);
      q.held = undefined;
    }
    const paginated = q.kind === 'range' && q.paginated;
    for (;;) {
      if (q.count >= q.limit) return this.finalResponse(id, q, results);
      const next = await this.nextResult(q);
      if (!next) return this.finalResponse(id, q, results);
      q.count++;
      if (!paginated && results.length === MAX_RESULT_LIMIT) {
        q.held = next;
        return queryResponse(id, results, true);
      }
      results.push(next);
    }
  }

  private async finalResponse(
    id: string,
    q: QueryIterator,
    results: Uint8Array[],
  ): Promise<peer.QueryResponse> {
    const response = queryResponse(id, results, false);
    if (q.kind === 'range' && q.paginated) {
      const meta = new peer.QueryResponseMetadata();
      meta.setFetchedRecordsCount(q.count);
      meta.setBookmark(await q.it.bookmark());
      response.setMetadata(meta.serializeBinary());
    }
    await this.closeIterator(id);
    return response;
  }
}

function queryResponse(id: string, results: Uint8Array[], hasMore: boolean): peer.QueryResponse {
  const r = new peer.QueryResponse();
  r.setResultsList(
    results.map((b) => {
      const qb = new peer.QueryResultBytes();
      qb.setResultbytes(b);
      return qb;
    }),
  );
  r.setHasMore(hasMore);
  r.setId(id);
  return r;
}

function queryMetadata(bytes: Uint8Array): peer.QueryMetadata | undefined {
  if (bytes.length === 0) return undefined;
  return peer.QueryMetadata.deserializeBinary(bytes);
}

/** Fabric's calculateTotalReturnLimit. */
function returnLimit(pageSize: number): number {
  return pageSize > 0 && pageSize < TOTAL_QUERY_LIMIT ? pageSize : TOTAL_QUERY_LIMIT;
}

function noCollection(collection: string): void {
  if (collection) {
    throw new ShimRequestError(
      `collection config not defined for chaincode, pass the collection configuration upon chaincode definition (collection ${collection})`,
    );
  }
}

export function typeName(type: number): string {
  return Object.entries(Type).find(([, v]) => v === type)?.[0] ?? String(type);
}
