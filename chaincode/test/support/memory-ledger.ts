// An in-memory stand-in for a Fabric peer's view of one chaincode namespace, for unit tests.
// It behaves as Fabric does where our code could tell: composite keys (the shim's own
// functions), range scans in UTF-8 byte order with the end key exclusive, pagination whose
// bookmark is the next key, no read-your-own-writes inside a transaction, an empty value
// written as a delete, one event per transaction (the last setEvent wins), key history newest
// first, no paginated query in a transaction that writes, and nothing committed when a
// transaction throws.
import { ChaincodeStub } from 'fabric-shim';
import type { Identity, Stub, TxContext } from '../../src/context';
import { ChaincodeError } from '../../src/errors';
import { contracts } from '../../src';
import type { ErrorCode } from '@ehr/common';

type Timestamp = ReturnType<Stub['getTxTimestamp']>;
interface KV {
  namespace: string;
  key: string;
  value: Uint8Array;
}
interface Modification {
  txId: string;
  timestamp: Timestamp;
  isDelete: boolean;
  value: Uint8Array;
}

const byteOrder = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const MAX_RUNE = '\u{10ffff}';
const NAMESPACE = 'ehr';

export interface Person {
  mspId: string;
  attrs: Record<string, string>;
  /** PEM of the person's certificate, for transactions that check signatures by it. */
  certificate?: string;
}

export function person(
  mspId: string,
  role: string,
  uid: string,
  extra: Record<string, string> = {},
): Person {
  return {
    mspId,
    attrs: { role, uid, ...(role === 'doctor' ? { govId: `GOV-${uid}` } : {}), ...extra },
  };
}

export const idOf = (p: Person) => `${p.mspId}/${p.attrs.uid}`;

function identityOf(p: Person): Identity {
  return {
    getMSPID: () => p.mspId,
    getAttributeValue: (name: string) => p.attrs[name] ?? null,
    getID: () => `x509::CN=${p.attrs.uid ?? 'anonymous'}::CN=ca`,
    getIDBytes: () =>
      Buffer.from(p.certificate ?? `no certificate for ${p.attrs.uid ?? 'anonymous'}`),
  };
}

/** Something both a promise and an async iterable, like the shim's query results. */
function queryResult<T>(
  items: T[],
): Promise<{ next(): Promise<{ value: T; done: boolean }>; close(): Promise<void> }> &
  AsyncIterable<T> {
  const iterator = () => {
    let i = 0;
    return {
      next: async () =>
        i < items.length
          ? { value: items[i++]!, done: false }
          : { value: undefined as unknown as T, done: true },
      close: async () => undefined,
    };
  };
  const promise = Promise.resolve(iterator()) as ReturnType<typeof queryResult<T>>;
  (promise as unknown as AsyncIterable<T>)[Symbol.asyncIterator] = () => {
    const it = iterator();
    return {
      next: it.next,
      return: async () => ({ value: undefined, done: true }),
    } as AsyncIterator<T>;
  };
  return promise;
}

export type Outcome =
  | {
      ok: true;
      result: unknown;
      event?: { name: string; payload: unknown };
      txId: string;
      writes: number;
    }
  | { ok: false; code: ErrorCode | undefined; message: string; txId: string };

export class MemoryLedger {
  private readonly state = new Map<string, Uint8Array>();
  private readonly histories = new Map<string, Modification[]>();
  private readonly contractsByName = new Map<string, object>(
    contracts.map((C) => {
      const c = new C();
      return [c.getName(), c];
    }),
  );
  private txCount = 0;
  /** The transaction timestamp (clients set it; the ledger never reads a clock). */
  now = Date.parse('2026-01-05T09:00:00.000Z');
  /** Every committed event, in order. */
  readonly events: { name: string; payload: unknown; txId: string }[] = [];

  advance(millis: number): void {
    this.now += millis;
  }

  /** A copy of the world state, to compare before and after a refused transaction. */
  snapshot(): Map<string, string> {
    return new Map([...this.state].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  }

  keys(): string[] {
    return [...this.state.keys()].sort(byteOrder);
  }

  /** Runs one transaction as `who`: `contract:Transaction` with string arguments. */
  async invoke(who: Person, fn: string, ...args: string[]): Promise<Outcome> {
    const [contractName, txName] = fn.split(':') as [string, string];
    const contract = this.contractsByName.get(contractName) as Record<string, unknown> | undefined;
    const method = contract?.[txName];
    if (typeof method !== 'function' || txName.startsWith('_'))
      throw new Error(`no transaction ${fn}`);
    const txId = `tx${String(++this.txCount).padStart(6, '0')}`;
    const { stub, finish } = this.stubFor(txId);
    const ctx: TxContext = { stub, clientIdentity: identityOf(who) };
    try {
      const raw = (await method.apply(contract, [ctx, ...args])) as string;
      const { writes, event } = finish();
      return { ok: true, result: JSON.parse(raw), ...(event ? { event } : {}), txId, writes };
    } catch (e) {
      if (e instanceof ChaincodeError) return { ok: false, code: e.code, message: e.message, txId };
      throw e; // a bug, not a refusal
    }
  }

  private stubFor(txId: string): {
    stub: Stub;
    finish(): { writes: number; event?: { name: string; payload: unknown } };
  } {
    const writes = new Map<string, Uint8Array>();
    let paginated = false;
    let event: { name: string; payload: Uint8Array } | undefined;
    const millis = this.now;
    const seconds = Math.floor(millis / 1000);
    // The shim gives a protobuf Long; our code only converts it with Number().
    const timestamp = {
      seconds: { valueOf: () => seconds, toNumber: () => seconds },
      nanos: (millis % 1000) * 1e6,
    } as unknown as Timestamp;
    const range = (start: string, end: string): KV[] =>
      [...this.state.keys()]
        .filter((k) => byteOrder(k, start) >= 0 && byteOrder(k, end) < 0)
        .sort(byteOrder)
        .map((k) => ({ namespace: NAMESPACE, key: k, value: this.state.get(k)! }));
    const write = (key: string, value: Uint8Array) => {
      if (paginated)
        throw new Error(
          'txSimulator does not support write operations along with paginated queries',
        );
      if (!key) throw new Error('key must not be empty');
      writes.set(key, value);
    };
    const proto = ChaincodeStub.prototype as unknown as Pick<
      Stub,
      'createCompositeKey' | 'splitCompositeKey'
    >;

    const stub: Stub = {
      getTxID: () => txId,
      getTxTimestamp: () => timestamp,
      getState: async (key: string) => this.state.get(key) ?? new Uint8Array(0),
      putState: async (key: string, value: Uint8Array) => write(key, Uint8Array.from(value)),
      deleteState: async (key: string) => write(key, new Uint8Array(0)),
      createCompositeKey: (type: string, attrs: string[]) => proto.createCompositeKey(type, attrs),
      splitCompositeKey: (key: string) => proto.splitCompositeKey(key),
      getStateByPartialCompositeKey: ((type: string, attrs: string[]) => {
        const prefix = proto.createCompositeKey(type, attrs);
        return queryResult(range(prefix, prefix + MAX_RUNE));
      }) as Stub['getStateByPartialCompositeKey'],
      getStateByPartialCompositeKeyWithPagination: ((
        type: string,
        attrs: string[],
        pageSize: number,
        bookmark?: string,
      ) => {
        if (writes.size > 0) {
          return Promise.reject(
            new Error('txSimulator does not support paginated queries in read-write transactions'),
          );
        }
        paginated = true;
        const prefix = proto.createCompositeKey(type, attrs);
        const all = range(bookmark ? bookmark : prefix, prefix + MAX_RUNE);
        const items = all.slice(0, pageSize);
        const next = all[pageSize]?.key ?? '';
        const metadata = { fetchedRecordsCount: items.length, bookmark: next };
        return Promise.resolve({ iterator: queryResult(items), metadata }).then(async (r) => ({
          iterator: await r.iterator,
          metadata: r.metadata,
        }));
      }) as unknown as Stub['getStateByPartialCompositeKeyWithPagination'],
      getHistoryForKey: ((key: string) =>
        queryResult([...(this.histories.get(key) ?? [])].reverse())) as Stub['getHistoryForKey'],
      setEvent: (name: string, payload: Uint8Array) => {
        event = { name, payload: Uint8Array.from(payload) };
      },
    };

    const finish = () => {
      for (const [key, value] of writes) {
        const isDelete = value.length === 0;
        if (isDelete) this.state.delete(key);
        else this.state.set(key, value);
        const h = this.histories.get(key) ?? [];
        h.push({ txId, timestamp, isDelete, value });
        this.histories.set(key, h);
      }
      const decoded = event
        ? { name: event.name, payload: JSON.parse(Buffer.from(event.payload).toString('utf8')) }
        : undefined;
      if (decoded) this.events.push({ ...decoded, txId });
      return { writes: writes.size, ...(decoded ? { event: decoded } : {}) };
    };
    return { stub, finish };
  }
}
