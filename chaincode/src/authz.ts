// The authorization rules for records, decided from ledger state and the caller's certificate.
// Grants and break-glass declarations expire by comparison with the transaction timestamp, so
// an expired grant stops working without any transaction.
import type {
  AccessBasis,
  Assignment,
  BreakGlass,
  Grant,
  Grantee,
  PersonId,
  RecordMeta,
  WrappedKey,
} from './api';
import type { TxContext } from './context';
import type { ErrorCode } from '@ehr/common';
import { fail } from './errors';
import { type Caller, mspOf } from './identity';
import { KEY, get, scan, scanKeys } from './state';

export function granteeKey(grantee: Grantee): string {
  return grantee.type === 'doctor' ? `doctor:${grantee.doctorId}` : `hospital:${grantee.mspId}`;
}

export function granteeMsp(grantee: Grantee): string {
  return grantee.type === 'doctor' ? mspOf(grantee.doctorId) : grantee.mspId;
}

export type GrantState = 'valid' | 'expired' | 'revoked' | 'not-yet';

export function grantState(grant: Grant, now: string): GrantState {
  if (grant.revokedAt !== undefined) return 'revoked';
  if (now < grant.createdAt) return 'not-yet';
  if (grant.notAfter !== undefined && now >= grant.notAfter) return 'expired';
  return 'valid';
}

export function grantCovers(grant: Grant, recordId: string): boolean {
  return grant.scope.type === 'all' || grant.scope.recordIds.includes(recordId);
}

export async function isAssigned(
  ctx: TxContext,
  patientId: PersonId,
  doctorId: PersonId,
): Promise<boolean> {
  const a = await get<Assignment>(ctx, KEY.assignment, [patientId, doctorId]);
  return !!a && a.active;
}

/** Grants the patient gave to this doctor or to the doctor's hospital, in key order. */
export async function grantsFor(
  ctx: TxContext,
  doctor: Caller,
  patientId: PersonId,
): Promise<Grant[]> {
  const out: Grant[] = [];
  for (const grantee of [`doctor:${doctor.id}`, `hospital:${doctor.mspId}`]) {
    for (const [, , grantId] of await scanKeys(ctx, KEY.grantByGrantee, [grantee, patientId])) {
      const grant = await get<Grant>(ctx, KEY.grant, [grantId!]);
      if (grant) out.push(grant);
    }
  }
  return out;
}

export async function activeBreakGlass(
  ctx: TxContext,
  doctor: Caller,
  patientId: PersonId,
  now: string,
): Promise<BreakGlass | undefined> {
  const entries = await scanKeys(ctx, KEY.breakGlassByDoctor, [doctor.id, patientId]);
  // Newest first: the declaration that lasts longest.
  for (const [, , declaredAt, id] of entries.reverse()) {
    const bg = await get<BreakGlass>(ctx, KEY.breakGlass, [patientId, declaredAt!, id!]);
    if (bg && now >= bg.declaredAt && now < bg.expiresAt) return bg;
  }
  return undefined;
}

/** The most telling refusal when no grant applies: expired or revoked consent, else none. */
function denial(states: GrantState[], fallback: ErrorCode): ErrorCode {
  if (states.includes('expired')) return 'CONSENT_EXPIRED';
  if (states.includes('revoked')) return 'CONSENT_REVOKED';
  return fallback;
}

/**
 * Why the caller may read this record, or throws. Order: the patient, the author, an assigned
 * doctor, a valid grant, then break-glass (used only when nothing else applies).
 */
export async function readBasis(
  ctx: TxContext,
  caller: Caller,
  record: RecordMeta,
  now: string,
  opts: { breakGlass: boolean } = { breakGlass: true },
): Promise<AccessBasis> {
  if (caller.role === 'patient') {
    if (caller.id === record.patientId) return { type: 'self' };
    fail('ACCESS_DENIED', 'this record belongs to another patient');
  }
  if (caller.role !== 'doctor') fail('FORBIDDEN_ROLE', `role ${caller.role} may not read records`);
  if (caller.id === record.authorId) return { type: 'author' };
  if (await isAssigned(ctx, record.patientId, caller.id)) return { type: 'assignment' };
  const states: GrantState[] = [];
  for (const grant of await grantsFor(ctx, caller, record.patientId)) {
    if (!grantCovers(grant, record.recordId)) continue;
    const state = grantState(grant, now);
    if (state === 'valid') return { type: 'grant', grantId: grant.grantId };
    states.push(state);
  }
  if (opts.breakGlass) {
    const bg = await activeBreakGlass(ctx, caller, record.patientId, now);
    if (bg) return { type: 'break-glass', breakGlassId: bg.breakGlassId, reason: bg.reason };
  }
  fail(
    denial(states, 'ACCESS_DENIED'),
    'no assignment, valid consent or break-glass for this record',
  );
}

/** Why the caller (a doctor) may add records for this patient, or throws. */
export async function writeBasis(
  ctx: TxContext,
  caller: Caller,
  patientId: PersonId,
  now: string,
): Promise<AccessBasis> {
  if (caller.role !== 'doctor') fail('FORBIDDEN_ROLE', `role ${caller.role} may not add records`);
  if (await isAssigned(ctx, patientId, caller.id)) return { type: 'assignment' };
  const states: GrantState[] = [];
  for (const grant of await grantsFor(ctx, caller, patientId)) {
    if (grant.access !== 'read-write') continue;
    const state = grantState(grant, now);
    if (state === 'valid') return { type: 'grant', grantId: grant.grantId };
    states.push(state);
  }
  fail(denial(states, 'NOT_ASSIGNED'), 'not assigned to this patient and no valid write consent');
}

/** Every grant the patient gave, in grant-id order. */
export async function grantsOfPatient(ctx: TxContext, patientId: PersonId): Promise<Grant[]> {
  const out: Grant[] = [];
  for (const [, grantId] of await scanKeys(ctx, KEY.grantByPatient, [patientId])) {
    const grant = await get<Grant>(ctx, KEY.grant, [grantId!]);
    if (grant) out.push(grant);
  }
  return out;
}

/**
 * The hospitals that must hold a new record's data key: the author's, the patient's (so the
 * patient and the assigned doctors can read it) and those of valid all-records grants.
 * Sorted, without duplicates.
 */
export async function keyHolderMsps(
  ctx: TxContext,
  patientId: PersonId,
  authorMsp: string,
  now: string,
): Promise<string[]> {
  const msps = new Set([authorMsp, mspOf(patientId)]);
  for (const grant of await grantsOfPatient(ctx, patientId)) {
    if (grant.scope.type === 'all' && grantState(grant, now) === 'valid')
      msps.add(granteeMsp(grant.grantee));
  }
  return [...msps].sort();
}

/** The record's data keys wrapped for one hospital (one per key id it was wrapped under). */
export async function wrappedKeysOf(ctx: TxContext, recordId: string, mspId: string) {
  return scan<WrappedKey>(ctx, KEY.wrappedKey, [recordId, mspId]);
}
