// Hospitals and their encryption keys.
//
// Who registers a hospital: channel membership is decided by the channel configuration (a
// majority of the members' admins signs each change); the chaincode keeps its own list of
// member hospitals, because wrapped data keys are sent to them:
//   - the founding hospitals are named at deployment (EHR_FOUNDING_MEMBERS, the same on every
//     chaincode server);
//   - a later hospital is admitted when admins of a strict majority of registered hospitals
//     approve it (ApproveHospital, one approval per member hospital);
//   - only an admin of a hospital's own MSP registers it, renames it or rotates its encryption
//     key. No member can replace another member's key (that would redirect its data keys).
import { createPublicKey } from 'node:crypto';
import { EhrContract } from './base';
import { z } from 'zod';
import {
  CONTRACTS,
  KEY_ALGORITHMS,
  type Admission,
  type Hospital,
  type HospitalKey,
  type HospitalStats,
  type KeyAlgorithm,
} from '../api';
import { foundingMembers } from '../config';
import { emit, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { callerOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { hospitalOf, requireMember } from '../members';
import { KEY, get, history, put, scan, scanKeys } from '../state';
import { ID, MSP, check, hasControlCharacters, jsonArg, positional } from '../validate';

const RegisterHospitalRequest = z
  .object({
    mspId: MSP,
    displayName: z
      .string()
      .min(1)
      .max(200)
      .refine((v) => !hasControlCharacters(v)),
    keyId: ID,
    algorithm: z.enum(KEY_ALGORITHMS),
    publicKeyPem: z.string().min(1).max(4096),
  })
  .strict();

/** The key must parse as an SPKI public key of the declared algorithm and size. */
function checkPublicKey(pem: string, algorithm: KeyAlgorithm): string {
  if (
    !/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/.test(pem)
  ) {
    fail('INVALID_ARGUMENT', 'request.publicKeyPem must be one SPKI PEM public key');
  }
  let details: { type?: string; bits?: number; curve?: string };
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    details = {
      type: key.asymmetricKeyType,
      bits: key.asymmetricKeyDetails?.modulusLength,
      curve: key.asymmetricKeyDetails?.namedCurve,
    };
  } catch {
    fail('INVALID_ARGUMENT', 'request.publicKeyPem is not a valid public key');
  }
  const ok =
    algorithm === 'RSA-OAEP-3072'
      ? details.type === 'rsa' && details.bits === 3072
      : details.type === 'ec' && details.curve === 'prime256v1';
  if (!ok) fail('INVALID_ARGUMENT', `request.publicKeyPem is not a ${algorithm} key`);
  return pem.replace(/\r\n/g, '\n').replace(/\n?$/, '\n');
}

async function registeredMsps(ctx: TxContext): Promise<string[]> {
  return (await scanKeys(ctx, KEY.hospital, [])).map(([msp]) => msp!);
}

export class HospitalsContract extends EhrContract {
  constructor() {
    super(CONTRACTS.hospitals);
  }

  /** Registers the caller's own hospital, renames it, or rotates its encryption key. */
  async RegisterHospital(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const { request } = positional(args, { required: ['request'] });
    const req = jsonArg(RegisterHospitalRequest, request, 'request');
    if (req.mspId !== caller.mspId)
      fail('ACCESS_DENIED', 'an admin registers only their own hospital');
    const pem = checkPublicKey(req.publicKeyPem, req.algorithm);
    const now = txTime(ctx);

    const existing = await hospitalOf(ctx, req.mspId);
    const newKey: HospitalKey = {
      mspId: req.mspId,
      keyId: req.keyId,
      algorithm: req.algorithm,
      publicKeyPem: pem,
      activatedAt: now,
      registeredBy: caller.id,
    };

    if (!existing) {
      let membership: Hospital['membership'];
      if (foundingMembers().includes(req.mspId)) membership = 'founding';
      else if ((await get<Admission>(ctx, KEY.admission, [req.mspId]))?.admittedAt)
        membership = 'admitted';
      else
        fail(
          'HOSPITAL_NOT_REGISTERED',
          `${req.mspId} is neither a founding member nor admitted by the members`,
        );
      const hospital: Hospital = {
        mspId: req.mspId,
        displayName: req.displayName,
        currentKey: newKey,
        registeredAt: now,
        updatedAt: now,
        membership,
      };
      await put(ctx, KEY.hospital, [req.mspId], hospital);
      await put(ctx, KEY.hospitalKey, [req.mspId, req.keyId], newKey);
      emit(ctx, 'HospitalRegistered', { mspId: req.mspId, keyId: req.keyId });
      return canonicalJson(hospital);
    }

    const sameKey = existing.currentKey.keyId === req.keyId;
    if (sameKey && existing.currentKey.publicKeyPem !== pem) {
      fail(
        'CONFLICT',
        `key id ${req.keyId} is already used for another key; rotate with a new key id`,
      );
    }
    if (sameKey && existing.displayName === req.displayName) return canonicalJson(existing); // nothing changes
    const updated: Hospital = { ...existing, displayName: req.displayName, updatedAt: now };
    if (!sameKey) {
      if (await get<HospitalKey>(ctx, KEY.hospitalKey, [req.mspId, req.keyId])) {
        fail('ALREADY_EXISTS', `key id ${req.keyId} was used before; key ids are never reused`);
      }
      await put(ctx, KEY.hospitalKey, [req.mspId, existing.currentKey.keyId], {
        ...existing.currentKey,
        retiredAt: now,
      });
      await put(ctx, KEY.hospitalKey, [req.mspId, req.keyId], newKey);
      updated.currentKey = newKey;
    }
    await put(ctx, KEY.hospital, [req.mspId], updated);
    emit(ctx, sameKey ? 'HospitalUpdated' : 'HospitalKeyRotated', {
      mspId: req.mspId,
      keyId: req.keyId,
    });
    return canonicalJson(updated);
  }

  /** An admin of a registered hospital approves a new member; a strict majority admits it. */
  async ApproveHospital(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    await requireMember(ctx, caller);
    const { mspId } = positional(args, { required: ['mspId'] });
    const msp = check(MSP, mspId, 'mspId');
    if ((await hospitalOf(ctx, msp)) || foundingMembers().includes(msp)) {
      fail('ALREADY_EXISTS', `${msp} is already a member`);
    }
    const admission = (await get<Admission>(ctx, KEY.admission, [msp])) ?? {
      mspId: msp,
      approvals: [],
    };
    if (admission.admittedAt) fail('ALREADY_EXISTS', `${msp} is already admitted`);
    if (admission.approvals.includes(caller.mspId))
      fail('ALREADY_EXISTS', `${caller.mspId} already approved ${msp}`);
    const approvals = [...admission.approvals, caller.mspId].sort();
    const members = await registeredMsps(ctx);
    const updated: Admission = { mspId: msp, approvals };
    if (approvals.filter((a) => members.includes(a)).length * 2 > members.length)
      updated.admittedAt = txTime(ctx);
    await put(ctx, KEY.admission, [msp], updated);
    emit(ctx, updated.admittedAt ? 'HospitalAdmitted' : 'HospitalApproved', {
      mspId: msp,
      approvedBy: caller.mspId,
    });
    return canonicalJson(updated);
  }

  async GetAdmission(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { mspId } = positional(args, { required: ['mspId'] });
    const admission = await get<Admission>(ctx, KEY.admission, [check(MSP, mspId, 'mspId')]);
    if (!admission) fail('NOT_FOUND', `no admission for ${mspId}`);
    return canonicalJson(admission);
  }

  /** Public information (display name and encryption public key), for any identity. */
  async GetHospital(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { mspId } = positional(args, { required: ['mspId'] });
    const hospital = await hospitalOf(ctx, check(MSP, mspId, 'mspId'));
    if (!hospital) fail('NOT_FOUND', `hospital ${mspId} is not registered`);
    return canonicalJson(hospital);
  }

  async ListHospitals(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    positional(args, { required: [] });
    return canonicalJson((await scan<Hospital>(ctx, KEY.hospital, [])).map((e) => e.value));
  }

  /** Every encryption key the hospital ever registered (current and retired), by key id. */
  async ListHospitalKeys(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { mspId } = positional(args, { required: ['mspId'] });
    const keys = await scan<HospitalKey>(ctx, KEY.hospitalKey, [check(MSP, mspId, 'mspId')]);
    return canonicalJson(keys.map((e) => e.value));
  }

  /** Fabric's history of the hospital entry (registration, renames, rotations), newest first. */
  async GetHospitalHistory(ctx: TxContext, ...args: string[]): Promise<string> {
    callerOf(ctx);
    const { mspId } = positional(args, { required: ['mspId'] });
    return canonicalJson(await history<Hospital>(ctx, KEY.hospital, [check(MSP, mspId, 'mspId')]));
  }

  /** Counts for the caller's own hospital: admins and auditors see numbers, not records. */
  async GetHospitalStats(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin', 'auditor');
    await requireMember(ctx, caller);
    positional(args, { required: [] });
    const stats: HospitalStats = {
      mspId: caller.mspId,
      recordsAuthored: (await scanKeys(ctx, KEY.recordByAuthorMsp, [caller.mspId])).length,
      breakGlassDeclaredByStaff: (await scanKeys(ctx, KEY.breakGlassByMsp, [caller.mspId])).length,
    };
    return canonicalJson(stats);
  }
}
