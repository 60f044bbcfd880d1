// The ledger's key space. Every asset lives under a composite key (object type + attributes);
// secondary indexes are composite keys whose value is a marker. Attributes that hold times use
// the fixed-width ISO form, so a partial-key scan returns them in time order.
import type { TxContext } from './context';
import { isoOf } from './context';
import { fromBytes, toBytes } from './json';

export const KEY = {
  hospital: 'hospital', // [mspId] → Hospital
  hospitalKey: 'hospitalKey', // [mspId, keyId] → HospitalKey (current and retired)
  admission: 'admission', // [mspId] → Admission (hospitals joining after deployment)
  memberProposal: 'memberProposal', // [proposalId] → MemberProposal
  memberProposalByMsp: 'memberProposalByMsp', // [candidate mspId, proposalId] → marker
  assignment: 'assignment', // [patientId, doctorId] → Assignment
  assignmentByDoctor: 'assignmentByDoctor', // [doctorId, patientId] → marker (active only)
  record: 'record', // [recordId] → RecordMeta
  recordByPatient: 'recordByPatient', // [patientId, createdAt, recordId] → marker
  recordByAuthorMsp: 'recordByAuthorMsp', // [mspId, recordId] → marker
  wrappedKey: 'wrappedKey', // [recordId, mspId, keyId] → WrappedKey
  grant: 'grant', // [grantId] → Grant
  grantByPatient: 'grantByPatient', // [patientId, grantId] → marker
  grantByGrantee: 'grantByGrantee', // [granteeKey, patientId, grantId] → marker
  breakGlass: 'breakGlass', // [patientId, declaredAt, breakGlassId] → BreakGlass
  breakGlassByDoctor: 'breakGlassByDoctor', // [doctorId, patientId, declaredAt, breakGlassId] → marker
  breakGlassByMsp: 'breakGlassByMsp', // [doctorMsp, declaredAt, breakGlassId] → marker
  access: 'access', // [patientId, at, eventId] → AccessEvent
  accessByReaderMsp: 'accessByReaderMsp', // [readerMsp, at, patientId, eventId] → marker
  doctor: 'doctor', // [mspId, doctorId] → DoctorEntry (the consortium's directory)
} as const;
export type KeyType = (typeof KEY)[keyof typeof KEY];

/** Index entries carry a one-byte marker: Fabric treats an empty value as a delete. */
const MARKER = Uint8Array.of(0x31);

export function key(ctx: TxContext, type: KeyType, attrs: string[]): string {
  return ctx.stub.createCompositeKey(type, attrs);
}

export async function get<T>(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key(ctx, type, attrs));
  return bytes && bytes.length > 0 ? fromBytes<T>(bytes) : undefined;
}

export async function exists(ctx: TxContext, type: KeyType, attrs: string[]): Promise<boolean> {
  const bytes = await ctx.stub.getState(key(ctx, type, attrs));
  return !!bytes && bytes.length > 0;
}

export async function put(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
  value: unknown,
): Promise<void> {
  await ctx.stub.putState(key(ctx, type, attrs), toBytes(value));
}

export async function mark(ctx: TxContext, type: KeyType, attrs: string[]): Promise<void> {
  await ctx.stub.putState(key(ctx, type, attrs), MARKER);
}

export interface Entry<T> {
  attrs: string[];
  value: T;
}

/** All entries under a partial key, in key order. */
export async function scan<T>(ctx: TxContext, type: KeyType, attrs: string[]): Promise<Entry<T>[]> {
  const out: Entry<T>[] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(type, attrs)) {
    out.push({ attrs: ctx.stub.splitCompositeKey(kv.key).attributes, value: decode<T>(kv.value) });
  }
  return out;
}

/** The attributes of every index entry under a partial key, in key order. */
export async function scanKeys(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
): Promise<string[][]> {
  const out: string[][] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(type, attrs)) {
    out.push(ctx.stub.splitCompositeKey(kv.key).attributes);
  }
  return out;
}

function decode<T>(value: Uint8Array): T {
  return (value.length === 1 && value[0] === MARKER[0] ? undefined : fromBytes<T>(value)) as T;
}

export interface PageOf<T> {
  entries: Entry<T>[];
  bookmark: string;
}

/**
 * One page under a partial key. Fabric's bookmark for a range is the key the next page starts
 * at; `start` (a full key under the same prefix) begins a page there. Callers must check that a
 * bookmark received from a client lies under their prefix (see underPrefix).
 */
export async function page<T>(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
  pageSize: number,
  start: string,
): Promise<PageOf<T>> {
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    type,
    attrs,
    pageSize,
    start,
  );
  const entries: Entry<T>[] = [];
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      entries.push({
        attrs: ctx.stub.splitCompositeKey(r.value.key).attributes,
        value: decode<T>(r.value.value),
      });
    }
  } finally {
    await iterator.close();
  }
  // No metadata at all for an empty page: the peer's (count 0, no bookmark) serialises to no
  // bytes, and fabric-shim then leaves `metadata` undefined, whatever its types say.
  const meta = metadata as typeof metadata | undefined;
  return { entries, bookmark: meta?.bookmark ?? '' };
}

export function underPrefix(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
  candidate: string,
): boolean {
  return candidate.startsWith(key(ctx, type, attrs));
}

export interface Change<T> {
  txId: string;
  at: string;
  isDelete: boolean;
  value?: T;
}

/** Fabric's history of one key, newest first. */
export async function history<T>(
  ctx: TxContext,
  type: KeyType,
  attrs: string[],
): Promise<Change<T>[]> {
  const out: Change<T>[] = [];
  for await (const m of ctx.stub.getHistoryForKey(key(ctx, type, attrs))) {
    const millis = Number(m.timestamp.seconds) * 1000 + Math.floor(m.timestamp.nanos / 1_000_000);
    const change: Change<T> = { txId: m.txId, at: isoOf(millis), isDelete: m.isDelete };
    if (!m.isDelete && m.value.length > 0) change.value = fromBytes<T>(m.value);
    out.push(change);
  }
  return out;
}
