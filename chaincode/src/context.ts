// What a transaction may use of Fabric's context. Transactions are typed against this narrow
// view so unit tests can pass an in-memory ledger that implements exactly it.
import type { Context } from 'fabric-contract-api';
import { fail } from './errors';
import { toBytes } from './json';

type FabricStub = Context['stub'];
type FabricIdentity = Context['clientIdentity'];

export type Stub = Pick<
  FabricStub,
  | 'getTxID'
  | 'getTxTimestamp'
  | 'getState'
  | 'putState'
  | 'deleteState'
  | 'getStateByPartialCompositeKey'
  | 'getStateByPartialCompositeKeyWithPagination'
  | 'getHistoryForKey'
  | 'setEvent'
  | 'createCompositeKey'
  | 'splitCompositeKey'
>;
export type Identity = Pick<
  FabricIdentity,
  'getMSPID' | 'getAttributeValue' | 'getID' | 'getIDBytes'
>;

export interface TxContext {
  stub: Stub;
  clientIdentity: Identity;
}

/** Milliseconds since the epoch of the transaction's timestamp (the same on every endorser). */
export function txMillis(ctx: TxContext): number {
  const ts = ctx.stub.getTxTimestamp();
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}

/** The transaction time as fixed-width ISO 8601 UTC (sorts as text in composite keys). */
export function txTime(ctx: TxContext): string {
  return isoOf(txMillis(ctx));
}

export function isoOf(millis: number): string {
  return new Date(millis).toISOString();
}

const emitted = new WeakSet<object>();

/** Fabric keeps only the last event of a transaction: one business action, one event. */
export function emit(ctx: TxContext, name: string, payload: unknown): void {
  if (emitted.has(ctx.stub)) fail('INTERNAL', `second event ${name} in one transaction`);
  emitted.add(ctx.stub);
  ctx.stub.setEvent(name, toBytes(payload));
}
