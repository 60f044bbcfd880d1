// Doctor assignments: an admin of the patient's hospital assigns a doctor of the same hospital
// (care across hospitals goes through the patient's consent). Every period of assignment is
// kept, so the patient sees their full doctor history.
import { EhrContract } from './base';
import { CONTRACTS, type Assignment } from '../api';
import { emit, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { type Caller, callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { requireMember } from '../members';
import { KEY, get, history, key, mark, put, scan, scanKeys } from '../state';
import { PERSON, check, positional } from '../validate';

function pair(args: string[]): { patientId: string; doctorId: string } {
  const a = positional(args, { required: ['patientId', 'doctorId'] });
  return {
    patientId: check(PERSON, a.patientId, 'patientId'),
    doctorId: check(PERSON, a.doctorId, 'doctorId'),
  };
}

/** Patients see their own; admins and auditors see the patients of their own hospital. */
function mayReadAssignments(caller: Caller, patientId: string): void {
  requireRole(caller, 'patient', 'admin', 'auditor');
  const ok =
    caller.role === 'patient' ? caller.id === patientId : caller.mspId === mspOf(patientId);
  if (!ok) fail('ACCESS_DENIED', 'not your patient');
}

export class AssignmentsContract extends EhrContract {
  constructor() {
    super(CONTRACTS.assignments);
  }

  async AssignDoctor(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    await requireMember(ctx, caller);
    const { patientId, doctorId } = pair(args);
    if (mspOf(patientId) !== caller.mspId || mspOf(doctorId) !== caller.mspId) {
      fail('ACCESS_DENIED', 'an admin assigns patients and doctors of their own hospital only');
    }
    if (patientId === doctorId) fail('INVALID_ARGUMENT', 'a person cannot be assigned to themself');
    const now = txTime(ctx);
    const current = await get<Assignment>(ctx, KEY.assignment, [patientId, doctorId]);
    if (current?.active) fail('ALREADY_EXISTS', 'this doctor is already assigned to this patient');
    const updated: Assignment = {
      patientId,
      doctorId,
      active: true,
      episodes: [...(current?.episodes ?? []), { assignedAt: now, assignedBy: caller.id }],
    };
    await put(ctx, KEY.assignment, [patientId, doctorId], updated);
    await mark(ctx, KEY.assignmentByDoctor, [doctorId, patientId]);
    emit(ctx, 'DoctorAssigned', { patientId, doctorId, at: now });
    return canonicalJson(updated);
  }

  async EndAssignment(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    await requireMember(ctx, caller);
    const { patientId, doctorId } = pair(args);
    if (mspOf(patientId) !== caller.mspId) fail('ACCESS_DENIED', 'not a patient of your hospital');
    const current = await get<Assignment>(ctx, KEY.assignment, [patientId, doctorId]);
    if (!current?.active) fail('NOT_FOUND', 'no active assignment of this doctor to this patient');
    const now = txTime(ctx);
    const episodes = current.episodes.map((e, i) =>
      i === current.episodes.length - 1 ? { ...e, endedAt: now, endedBy: caller.id } : e,
    );
    const updated: Assignment = { ...current, active: false, episodes };
    await put(ctx, KEY.assignment, [patientId, doctorId], updated);
    await ctx.stub.deleteState(key(ctx, KEY.assignmentByDoctor, [doctorId, patientId]));
    emit(ctx, 'AssignmentEnded', { patientId, doctorId, at: now });
    return canonicalJson(updated);
  }

  /** The patient's doctor history: every doctor ever assigned, with each period. */
  async ListAssignments(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    const { patientId } = positional(args, { required: ['patientId'] });
    const patient = check(PERSON, patientId, 'patientId');
    mayReadAssignments(caller, patient);
    await requireMember(ctx, caller);
    return canonicalJson(
      (await scan<Assignment>(ctx, KEY.assignment, [patient])).map((e) => e.value),
    );
  }

  /** Fabric's history of one assignment key, newest first. */
  async GetAssignmentHistory(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    const { patientId, doctorId } = pair(args);
    mayReadAssignments(caller, patientId);
    await requireMember(ctx, caller);
    return canonicalJson(await history<Assignment>(ctx, KEY.assignment, [patientId, doctorId]));
  }

  /** The calling doctor's currently assigned patients. */
  async ListMyPatients(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'doctor');
    await requireMember(ctx, caller);
    positional(args, { required: [] });
    return canonicalJson(
      (await scanKeys(ctx, KEY.assignmentByDoctor, [caller.id])).map(([, p]) => p),
    );
  }
}
