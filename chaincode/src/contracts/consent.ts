// Consent: only the patient's own identity grants or revokes access. A grant names one doctor
// or a whole hospital, a scope (records or all, including future ones), read or read-write, and
// an optional not-after time. It carries the data keys re-wrapped for the grantee's hospital.
import { EhrContract } from './base';
import { z } from 'zod';
import {
  CONTRACTS,
  GRANT_ACCESS,
  type Grant,
  type Grantee,
  type GrantScope,
  type RecordMeta,
  type WrappedKey,
} from '../api';
import { grantState, granteeKey, granteeMsp, grantsOfPatient, wrappedKeysOf } from '../authz';
import { MAX_GRANT_RECORDS } from '../config';
import { emit, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { type Caller, callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { requireMember } from '../members';
import { KEY, get, history, mark, put, scanKeys } from '../state';
import { BASE64_BLOB, ID, ISO_TIME, MSP, PERSON, check, jsonArg, positional } from '../validate';
import { checkRemarkKey, keyHolders, recordsOfPatient } from './records';

const GranteeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('doctor'), doctorId: PERSON }).strict(),
  z.object({ type: z.literal('hospital'), mspId: MSP }).strict(),
]);
const ScopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }).strict(),
  z
    .object({ type: z.literal('records'), recordIds: z.array(ID).min(1).max(MAX_GRANT_RECORDS) })
    .strict()
    .refine((s) => new Set(s.recordIds).size === s.recordIds.length, 'duplicate record ids'),
]);
const GrantAccessRequest = z
  .object({
    grantId: ID,
    grantee: GranteeSchema,
    scope: ScopeSchema,
    access: z.enum(GRANT_ACCESS),
    notAfter: ISO_TIME.optional(),
    wrappedKeys: z
      .array(
        z
          .object({
            recordId: ID,
            keyId: ID,
            wrappedKey: BASE64_BLOB,
            wrappedRemarkKey: BASE64_BLOB.optional(),
          })
          .strict(),
      )
      .max(10 * MAX_GRANT_RECORDS),
    keysUnavailable: z
      .array(ID)
      .max(10 * MAX_GRANT_RECORDS)
      .refine((ids) => new Set(ids).size === ids.length, 'duplicate record ids')
      .optional(),
  })
  .strict();

function normaliseScope(scope: GrantScope): GrantScope {
  return scope.type === 'all' ? scope : { type: 'records', recordIds: [...scope.recordIds].sort() };
}

/** The records a scope covers today, all belonging to the patient. */
async function recordsInScope(
  ctx: TxContext,
  patientId: string,
  scope: GrantScope,
): Promise<RecordMeta[]> {
  if (scope.type === 'all') return recordsOfPatient(ctx, patientId);
  const out: RecordMeta[] = [];
  for (const recordId of scope.recordIds) {
    const record = await get<RecordMeta>(ctx, KEY.record, [recordId]);
    // Another patient's record is reported exactly like a missing one.
    if (!record || record.patientId !== patientId)
      fail('NOT_FOUND', `record ${recordId} does not exist`);
    out.push(record);
  }
  return out;
}

async function grantOf(ctx: TxContext, grantId: string): Promise<Grant> {
  const grant = await get<Grant>(ctx, KEY.grant, [grantId]);
  if (!grant) fail('NOT_FOUND', `grant ${grantId} does not exist`);
  return grant;
}

/** The patient, auditors of the patient's hospital, and the grantee may see a grant. */
function mayReadGrant(caller: Caller, grant: Grant): boolean {
  if (caller.role === 'patient') return caller.id === grant.patientId;
  if (caller.role === 'auditor') return caller.mspId === mspOf(grant.patientId);
  if (caller.role === 'doctor') {
    return grant.grantee.type === 'doctor'
      ? grant.grantee.doctorId === caller.id
      : grant.grantee.mspId === caller.mspId;
  }
  return false;
}

function sameGrant(a: Grant, b: Omit<Grant, 'createdAt' | 'txId'>): boolean {
  return (
    a.patientId === b.patientId &&
    canonicalJson([a.grantee, a.scope, a.access, a.notAfter ?? null]) ===
      canonicalJson([b.grantee, b.scope, b.access, b.notAfter ?? null])
  );
}

export class ConsentContract extends EhrContract {
  constructor() {
    super(CONTRACTS.consent);
  }

  async GrantAccess(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient');
    await requireMember(ctx, caller);
    const { request } = positional(args, { required: ['request'] });
    const req = jsonArg(GrantAccessRequest, request, 'request');
    const now = txTime(ctx);
    const grantee: Grantee = req.grantee;
    const scope = normaliseScope(req.scope);
    if (grantee.type === 'doctor' && grantee.doctorId === caller.id)
      fail('INVALID_ARGUMENT', 'request.grantee is the patient');
    if (req.access === 'read-write' && scope.type !== 'all') {
      fail(
        'INVALID_ARGUMENT',
        'request.access read-write needs scope all (it allows adding new records)',
      );
    }
    if (req.notAfter !== undefined && req.notAfter <= now)
      fail('INVALID_ARGUMENT', 'request.notAfter is in the past');

    const candidate: Omit<Grant, 'createdAt' | 'txId'> = {
      grantId: req.grantId,
      patientId: caller.id,
      grantee,
      scope,
      access: req.access,
      ...(req.notAfter !== undefined ? { notAfter: req.notAfter } : {}),
    };
    const existing = await get<Grant>(ctx, KEY.grant, [req.grantId]);
    if (existing) {
      if (sameGrant(existing, candidate)) return canonicalJson(existing); // a retry of the same grant
      fail('ALREADY_EXISTS', `grant ${req.grantId} already exists`);
    }

    const targetMsp = granteeMsp(grantee);
    const [holder] = await keyHolders(ctx, [targetMsp]);
    const records = await recordsInScope(ctx, caller.id, scope);
    const inScope = new Set(records.map((r) => r.recordId));
    const given = new Map<string, (typeof req.wrappedKeys)[number]>();
    for (const w of req.wrappedKeys) {
      if (given.has(w.recordId))
        fail('INVALID_ARGUMENT', `request.wrappedKeys names ${w.recordId} twice`);
      if (!inScope.has(w.recordId))
        fail('WRAPPED_KEY_UNEXPECTED', `record ${w.recordId} is not in the grant's scope`);
      if (w.keyId !== holder!.keyId) {
        fail(
          'STALE_HOSPITAL_KEY',
          `${targetMsp}'s current key is ${holder!.keyId}, not ${w.keyId}`,
        );
      }
      given.set(w.recordId, w);
    }
    // A record whose key the patient's hospital cannot open (a lost key, a record written with
    // a key that does not unwrap) is declared instead of wrapped: one such record must not stop
    // the patient from sharing the others. The grant keeps the list, so it is never silent.
    const declared = new Set(req.keysUnavailable ?? []);
    for (const recordId of declared) {
      if (!inScope.has(recordId))
        fail(
          'INVALID_ARGUMENT',
          `request.keysUnavailable: record ${recordId} is not in the grant's scope`,
        );
      if (given.has(recordId))
        fail(
          'INVALID_ARGUMENT',
          `request.keysUnavailable: record ${recordId} is also in wrappedKeys`,
        );
    }
    const unavailable: string[] = [];
    const toWrite: WrappedKey[] = [];
    for (const record of records) {
      const held = await wrappedKeysOf(ctx, record.recordId, targetMsp);
      // A wrapped key already held (under any of its keys) is never overwritten.
      if (held.length > 0) continue;
      const w = given.get(record.recordId);
      if (!w && declared.has(record.recordId)) {
        unavailable.push(record.recordId);
        continue;
      }
      if (!w)
        fail(
          'WRAPPED_KEY_MISSING',
          `request.wrappedKeys needs record ${record.recordId} wrapped for ${targetMsp}`,
        );
      checkRemarkKey(
        record.remark !== undefined,
        w.wrappedRemarkKey,
        `request.wrappedKeys (${record.recordId})`,
      );
      toWrite.push({
        recordId: record.recordId,
        mspId: targetMsp,
        keyId: w.keyId,
        wrappedKey: w.wrappedKey,
        ...(w.wrappedRemarkKey !== undefined ? { wrappedRemarkKey: w.wrappedRemarkKey } : {}),
        addedAt: now,
        addedBy: caller.id,
        source: req.grantId,
      });
    }

    const grant: Grant = {
      ...candidate,
      ...(unavailable.length ? { keysUnavailable: unavailable.sort() } : {}),
      createdAt: now,
      txId: ctx.stub.getTxID(),
    };
    await put(ctx, KEY.grant, [grant.grantId], grant);
    await mark(ctx, KEY.grantByPatient, [grant.patientId, grant.grantId]);
    await mark(ctx, KEY.grantByGrantee, [granteeKey(grantee), grant.patientId, grant.grantId]);
    for (const w of toWrite) await put(ctx, KEY.wrappedKey, [w.recordId, w.mspId, w.keyId], w);
    emit(ctx, 'AccessGranted', {
      grantId: grant.grantId,
      patientId: grant.patientId,
      granteeMsp: targetMsp,
    });
    return canonicalJson(grant);
  }

  /** Revoking is final and idempotent. Keys already disclosed to a hospital cannot be recalled;
   *  the chaincode stops authorizing reads at once. */
  async RevokeAccess(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient');
    await requireMember(ctx, caller);
    const { grantId } = positional(args, { required: ['grantId'] });
    const grant = await get<Grant>(ctx, KEY.grant, [check(ID, grantId, 'grantId')]);
    if (!grant || grant.patientId !== caller.id)
      fail('NOT_FOUND', `grant ${grantId} does not exist`);
    if (grant.revokedAt !== undefined) return canonicalJson(grant);
    const revoked: Grant = { ...grant, revokedAt: txTime(ctx) };
    await put(ctx, KEY.grant, [grant.grantId], revoked);
    emit(ctx, 'AccessRevoked', { grantId: grant.grantId, patientId: grant.patientId });
    return canonicalJson(revoked);
  }

  async GetGrant(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'doctor', 'auditor');
    await requireMember(ctx, caller);
    const { grantId } = positional(args, { required: ['grantId'] });
    const grant = await grantOf(ctx, check(ID, grantId, 'grantId'));
    if (!mayReadGrant(caller, grant)) fail('ACCESS_DENIED', 'not your grant');
    return canonicalJson(grant);
  }

  /** Fabric's history of the grant (creation, revocation), newest first. */
  async GetGrantHistory(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'doctor', 'auditor');
    await requireMember(ctx, caller);
    const { grantId } = positional(args, { required: ['grantId'] });
    const grant = await grantOf(ctx, check(ID, grantId, 'grantId'));
    if (!mayReadGrant(caller, grant)) fail('ACCESS_DENIED', 'not your grant');
    return canonicalJson(await history<Grant>(ctx, KEY.grant, [grant.grantId]));
  }

  /** All grants the patient gave (valid, expired and revoked). */
  async ListGrants(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'auditor');
    await requireMember(ctx, caller);
    const { patientId } = positional(args, { required: ['patientId'] });
    const patient = check(PERSON, patientId, 'patientId');
    const ok = caller.role === 'patient' ? caller.id === patient : caller.mspId === mspOf(patient);
    if (!ok) fail('ACCESS_DENIED', 'not your grants');
    return canonicalJson(await grantsOfPatient(ctx, patient));
  }

  /** For a doctor: the valid grants naming them or their hospital ("shared with me"). */
  async ListGrantsToMe(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'doctor');
    await requireMember(ctx, caller);
    positional(args, { required: [] });
    const now = txTime(ctx);
    const out: Grant[] = [];
    for (const grantee of [`doctor:${caller.id}`, `hospital:${caller.mspId}`]) {
      for (const [, , grantId] of await scanKeys(ctx, KEY.grantByGrantee, [grantee])) {
        const grant = await get<Grant>(ctx, KEY.grant, [grantId!]);
        if (grant && grantState(grant, now) === 'valid') out.push(grant);
      }
    }
    return canonicalJson(out);
  }

  /**
   * For the patient's gateway before GrantAccess: the grantee hospital's current key and, for
   * each record in scope that hospital cannot decrypt yet, the record's data key wrapped for the
   * patient's own hospital (to unwrap and re-wrap).
   */
  async PrepareGrant(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient');
    await requireMember(ctx, caller);
    const a = positional(args, { required: ['grantee', 'scope'] });
    const grantee = jsonArg(GranteeSchema, a.grantee, 'grantee');
    const scope = normaliseScope(jsonArg(ScopeSchema, a.scope, 'scope'));
    const targetMsp = granteeMsp(grantee);
    const [holder] = await keyHolders(ctx, [targetMsp]);
    const records = [];
    for (const record of await recordsInScope(ctx, caller.id, scope)) {
      const held = await wrappedKeysOf(ctx, record.recordId, targetMsp);
      if (held.length > 0) continue;
      const own = await wrappedKeysOf(ctx, record.recordId, caller.mspId);
      records.push({
        recordId: record.recordId,
        hasRemark: record.remark !== undefined,
        wrappedKeys: own.map((w) => ({ keyId: w.value.keyId, wrappedKey: w.value.wrappedKey })),
      });
    }
    return canonicalJson({ keyHolder: holder, records });
  }
}
