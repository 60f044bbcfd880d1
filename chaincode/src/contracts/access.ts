// Reads and emergency access. OpenRecord is a submitted transaction: it authorizes, writes the
// access event and returns the caller hospital's wrapped data key in one step, so no read leaves
// the ledger without its trace. Refusals are errors and write nothing.
import { EhrContract } from './base';
import { z } from 'zod';
import {
  CONTRACTS,
  PURPOSES,
  type AccessEvent,
  type BreakGlass,
  type OpenRecordResult,
  type Page,
} from '../api';
import { readBasis, wrappedKeysOf } from '../authz';
import {
  BREAK_GLASS_MAX_REASON,
  BREAK_GLASS_MILLIS,
  BREAK_GLASS_MIN_REASON,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from '../config';
import { emit, isoOf, txMillis, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { type Caller, callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { requireMember } from '../members';
import { KEY, get, key, mark, page, put, scanKeys, underPrefix } from '../state';
import { ID, ISO_TIME, PERSON, check, hasControlCharacters, positional } from '../validate';
import { recordOf } from './records';

const PAGE_SIZE = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/)
  .transform(Number)
  .refine((n) => n <= MAX_PAGE_SIZE);

/** The access log and break-glass list: the patient, and auditors of the patient's hospital. */
async function mayReadLog(ctx: TxContext, caller: Caller, patientId: string): Promise<void> {
  requireRole(caller, 'patient', 'auditor');
  await requireMember(ctx, caller);
  const ok =
    caller.role === 'patient' ? caller.id === patientId : caller.mspId === mspOf(patientId);
  if (!ok) fail('ACCESS_DENIED', 'not your access log');
}

async function breakGlassList(
  ctx: TxContext,
  index: string[][],
  patientAt: number,
  atAt: number,
  idAt: number,
) {
  const out: BreakGlass[] = [];
  for (const attrs of index) {
    const bg = await get<BreakGlass>(ctx, KEY.breakGlass, [
      attrs[patientAt]!,
      attrs[atAt]!,
      attrs[idAt]!,
    ]);
    if (bg) out.push(bg);
  }
  return out;
}

/**
 * One page of a time-ordered log under [owner, at, ...]: events in [from, to], oldest first.
 * A client's bookmark is a ledger key and must stay under the owner's prefix.
 */
async function windowPage<T>(
  ctx: TxContext,
  type: typeof KEY.access | typeof KEY.accessByReaderMsp,
  owner: string,
  a: Record<string, string | undefined>,
  load: (e: { attrs: string[]; value: unknown }) => Promise<T>,
): Promise<Page<T>> {
  const from = a.from === undefined ? undefined : check(ISO_TIME, a.from, 'from');
  const to = a.to === undefined ? undefined : check(ISO_TIME, a.to, 'to');
  if (from !== undefined && to !== undefined && from > to)
    fail('INVALID_ARGUMENT', 'from is after to');
  const pageSize =
    a.pageSize === undefined ? DEFAULT_PAGE_SIZE : check(PAGE_SIZE, a.pageSize, 'pageSize');
  let start = '';
  if (a.bookmark !== undefined) {
    if (a.bookmark.length > 1024 || !underPrefix(ctx, type, [owner], a.bookmark)) {
      fail('INVALID_ARGUMENT', 'bookmark does not belong to this listing');
    }
    start = a.bookmark;
  } else if (from !== undefined) {
    start = key(ctx, type, [owner, from]);
  }
  const p = await page<unknown>(ctx, type, [owner], pageSize, start);
  const items: T[] = [];
  let bookmark = p.bookmark;
  for (const e of p.entries) {
    const at = e.attrs[1]!;
    if (from !== undefined && at < from) continue;
    if (to !== undefined && at > to) {
      bookmark = '';
      break;
    }
    items.push(await load(e));
  }
  return { items, bookmark };
}

export class AccessContract extends EhrContract {
  constructor() {
    super(CONTRACTS.access);
  }

  async OpenRecord(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'doctor');
    await requireMember(ctx, caller);
    const a = positional(args, { required: ['recordId', 'purpose'] });
    const recordId = check(ID, a.recordId, 'recordId');
    const purpose = check(z.enum(PURPOSES), a.purpose, 'purpose');
    const record = await recordOf(ctx, recordId);
    const now = txTime(ctx);
    const basis = await readBasis(ctx, caller, record, now);
    const keys = await wrappedKeysOf(ctx, record.recordId, caller.mspId);
    if (keys.length === 0)
      fail('KEY_NOT_AVAILABLE', `record ${recordId} has no data key for ${caller.mspId}`);

    const event: AccessEvent = {
      eventId: ctx.stub.getTxID(),
      patientId: record.patientId,
      recordId: record.recordId,
      readerId: caller.id,
      readerMsp: caller.mspId,
      readerRole: caller.role,
      purpose,
      basis,
      at: now,
    };
    await put(ctx, KEY.access, [event.patientId, event.at, event.eventId], event);
    await mark(ctx, KEY.accessByReaderMsp, [
      event.readerMsp,
      event.at,
      event.patientId,
      event.eventId,
    ]);
    emit(ctx, 'RecordOpened', {
      eventId: event.eventId,
      recordId: event.recordId,
      patientId: event.patientId,
      readerMsp: event.readerMsp,
      basis: basis.type,
    });
    const result: OpenRecordResult = {
      record,
      wrappedKeys: keys.map((k) => ({ keyId: k.value.keyId, wrappedKey: k.value.wrappedKey })),
      event,
    };
    return canonicalJson(result);
  }

  /** Emergency access by a doctor for 24 hours, with a stated reason the patient will see. */
  async BreakGlass(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'doctor');
    await requireMember(ctx, caller);
    const a = positional(args, { required: ['patientId', 'reason'] });
    const patientId = check(PERSON, a.patientId, 'patientId');
    const reason = (a.reason ?? '').trim();
    if (reason.length === 0) fail('MISSING_ARGUMENT', 'reason is required');
    if (reason.length < BREAK_GLASS_MIN_REASON) {
      fail('REASON_TOO_SHORT', `reason must have at least ${BREAK_GLASS_MIN_REASON} characters`);
    }
    if (reason.length > BREAK_GLASS_MAX_REASON) fail('ARGUMENT_TOO_LONG', 'reason is too long');
    if (hasControlCharacters(reason, true))
      fail('INVALID_ARGUMENT', 'reason contains control characters');
    const now = txTime(ctx);
    const bg: BreakGlass = {
      breakGlassId: ctx.stub.getTxID(),
      patientId,
      doctorId: caller.id,
      doctorMsp: caller.mspId,
      reason,
      declaredAt: now,
      expiresAt: isoOf(txMillis(ctx) + BREAK_GLASS_MILLIS),
    };
    await put(ctx, KEY.breakGlass, [patientId, now, bg.breakGlassId], bg);
    await mark(ctx, KEY.breakGlassByDoctor, [caller.id, patientId, now, bg.breakGlassId]);
    await mark(ctx, KEY.breakGlassByMsp, [caller.mspId, now, patientId, bg.breakGlassId]);
    emit(ctx, 'BreakGlassDeclared', {
      breakGlassId: bg.breakGlassId,
      patientId,
      doctorMsp: caller.mspId,
      expiresAt: bg.expiresAt,
    });
    return canonicalJson(bg);
  }

  /**
   * Accounting of disclosures: the patient's access events in [from, to], oldest first, a page
   * at a time. `bookmark` continues a previous page.
   */
  async ListAccessEvents(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    const a = positional(args, {
      required: ['patientId'],
      optional: ['from', 'to', 'pageSize', 'bookmark'],
    });
    const patientId = check(PERSON, a.patientId, 'patientId');
    await mayReadLog(ctx, caller, patientId);
    const events = await windowPage<AccessEvent>(
      ctx,
      KEY.access,
      patientId,
      a,
      async (e) => e.value as AccessEvent,
    );
    return canonicalJson(events);
  }

  /**
   * For auditors: the reads made by their own hospital's people (of any hospital's patients),
   * in [from, to], oldest first, paged — the hospital audits its workforce.
   */
  async ListAccessEventsByReaderHospital(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'auditor');
    await requireMember(ctx, caller);
    const a = positional(args, { required: [], optional: ['from', 'to', 'pageSize', 'bookmark'] });
    const events = await windowPage<AccessEvent>(
      ctx,
      KEY.accessByReaderMsp,
      caller.mspId,
      a,
      async (e) => {
        const [, at, patientId, eventId] = e.attrs;
        return (await get<AccessEvent>(ctx, KEY.access, [patientId!, at!, eventId!]))!;
      },
    );
    return canonicalJson(events);
  }

  /** Break-glass declarations concerning the patient, listed apart from ordinary reads. */
  async ListBreakGlass(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    const { patientId } = positional(args, { required: ['patientId'] });
    const patient = check(PERSON, patientId, 'patientId');
    await mayReadLog(ctx, caller, patient);
    const index = (await scanKeys(ctx, KEY.breakGlass, [patient])).map(([p, at, id]) => [
      p!,
      at!,
      id!,
    ]);
    return canonicalJson(await breakGlassList(ctx, index, 0, 1, 2));
  }

  /** For auditors: break-glass declarations made by their own hospital's doctors. */
  async ListBreakGlassByHospital(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'auditor');
    await requireMember(ctx, caller);
    positional(args, { required: [] });
    const index = await scanKeys(ctx, KEY.breakGlassByMsp, [caller.mspId]);
    return canonicalJson(await breakGlassList(ctx, index, 2, 1, 3));
  }
}
