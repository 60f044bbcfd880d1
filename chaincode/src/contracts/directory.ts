// The consortium's directory: which doctors each member hospital lists and whether they are
// active (the sharing picker and grants need that), and counts per member hospital.
//
// No names on the ledger: it is replicated to every member and can never forget, so a doctor's
// name and specialty stay with the doctor's own hospital, whose gateway serves them to the other
// members' gateways (gateway/src/directory/federation). An entry holds the ledger id, the
// hospital, `active` and who listed and updated it when. It is written by an admin of the
// doctor's own hospital, which issued the doctor's certificate; no other hospital can list or
// withdraw its doctors. The strict request refuses any other field (a name, a phone number).
import { EhrContract } from './base';
import { z } from 'zod';
import {
  CONTRACTS,
  type DoctorEntry,
  type Grant,
  type Hospital,
  type HospitalCounts,
} from '../api';
import { grantState } from '../authz';
import { emit, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { requireMember } from '../members';
import { KEY, get, put, scan, scanKeys } from '../state';
import { MSP, PERSON, check, jsonArg, positional } from '../validate';

const PublishDoctorRequest = z
  .object({
    doctorId: PERSON,
    active: z.boolean(),
  })
  .strict();

/** Distinct people per hospital among ledger ids (e.g. the patients of every record). */
function countByMsp(ids: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of new Set(ids)) counts.set(mspOf(id), (counts.get(mspOf(id)) ?? 0) + 1);
  return counts;
}

export class DirectoryContract extends EhrContract {
  constructor() {
    super(CONTRACTS.directory);
  }

  /** Lists, withdraws (active: false) or lists again a doctor of the caller's own hospital. */
  async PublishDoctor(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    await requireMember(ctx, caller);
    const { request } = positional(args, { required: ['request'] });
    const req = jsonArg(PublishDoctorRequest, request, 'request');
    const mspId = mspOf(req.doctorId);
    if (mspId !== caller.mspId)
      fail('ACCESS_DENIED', 'an admin lists only the doctors of their own hospital');
    const existing = await get<DoctorEntry>(ctx, KEY.doctor, [mspId, req.doctorId]);
    if (existing && existing.active === req.active) {
      return canonicalJson(existing); // nothing changes: nothing written
    }
    const now = txTime(ctx);
    const entry: DoctorEntry = {
      doctorId: req.doctorId,
      mspId,
      active: req.active,
      listedAt: existing?.listedAt ?? now,
      listedBy: existing?.listedBy ?? caller.id,
      updatedAt: now,
      updatedBy: caller.id,
    };
    await put(ctx, KEY.doctor, [mspId, req.doctorId], entry);
    emit(ctx, existing ? 'DoctorUpdated' : 'DoctorListed', {
      doctorId: req.doctorId,
      active: req.active,
    });
    return canonicalJson(entry);
  }

  /** Any person of the consortium may read the directory: ids and flags, no names, no health data. */
  async GetDoctor(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { doctorId } = positional(args, { required: ['doctorId'] });
    const id = check(PERSON, doctorId, 'doctorId');
    const entry = await get<DoctorEntry>(ctx, KEY.doctor, [mspOf(id), id]);
    if (!entry) fail('NOT_FOUND', `doctor ${id} is not in the directory`);
    return canonicalJson(entry);
  }

  /** Every listed doctor (withdrawn ones too: old records still name them), or one hospital's. */
  async ListDoctors(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { mspId } = positional(args, { required: [], optional: ['mspId'] });
    const prefix = mspId === undefined ? [] : [check(MSP, mspId, 'mspId')];
    return canonicalJson((await scan<DoctorEntry>(ctx, KEY.doctor, prefix)).map((e) => e.value));
  }

  /**
   * Counts per member hospital, for admins and auditors of a member: numbers only, no ids.
   * Every member's peer holds the whole ledger, so these are no secret between members; they
   * are still kept from patients and doctors, whose work does not need them.
   */
  async ListHospitalCounts(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin', 'auditor');
    await requireMember(ctx, caller);
    positional(args, { required: [] });
    const now = txTime(ctx);
    const hospitals = (await scan<Hospital>(ctx, KEY.hospital, [])).map((e) => e.value);
    const patients = countByMsp(
      (await scanKeys(ctx, KEY.recordByPatient, [])).map(([patientId]) => patientId!),
    );
    const grants = new Map<string, number>();
    for (const { value } of await scan<Grant>(ctx, KEY.grant, [])) {
      if (grantState(value, now) !== 'valid') continue;
      const msp = mspOf(value.patientId);
      grants.set(msp, (grants.get(msp) ?? 0) + 1);
    }
    const counts: HospitalCounts[] = [];
    for (const h of hospitals) {
      const doctors = await scan<DoctorEntry>(ctx, KEY.doctor, [h.mspId]);
      counts.push({
        mspId: h.mspId,
        displayName: h.displayName,
        doctorsListed: doctors.filter((d) => d.value.active).length,
        patientsWithRecords: patients.get(h.mspId) ?? 0,
        recordsAuthored: (await scanKeys(ctx, KEY.recordByAuthorMsp, [h.mspId])).length,
        activeGrantsByPatients: grants.get(h.mspId) ?? 0,
        readsByMembers: (await scanKeys(ctx, KEY.accessByReaderMsp, [h.mspId])).length,
        breakGlassDeclared: (await scanKeys(ctx, KEY.breakGlassByMsp, [h.mspId])).length,
      });
    }
    return canonicalJson(counts);
  }
}
