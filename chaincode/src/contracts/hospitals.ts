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
  type MemberProposal,
} from '../api';
import { foundingMembers } from '../config';
import { emit, txMillis, txTime, type TxContext } from '../context';
import { fail } from '../errors';
import { callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { hospitalOf, requireMember } from '../members';
import { KEY, get, history, put, scan, scanKeys } from '../state';
import { DISPLAY_NAME, ID, MSP, check, jsonArg, positional } from '../validate';
import {
  MAX_PROPOSAL_MILLIS,
  MemberSignature,
  ProposeMemberRequest,
  REJECTION_REASON,
  admit,
  allProposals,
  approvalOf,
  checkConfigUpdate,
  checkSignature,
  loadProposal,
  majority,
  openProposalFor,
  requireMemberAdmin,
  requireOpen,
  storeProposal,
  view,
} from '../membership';
import { sha256Hex } from '../config-update';

const RegisterHospitalRequest = z
  .object({
    mspId: MSP,
    displayName: DISPLAY_NAME,
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

  // ---- consortium membership (see ../membership.ts) ------------------------------------------

  /** An admin of a member hospital proposes a new member, with the config update that adds it. */
  async ProposeMember(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const members = await requireMemberAdmin(ctx, caller);
    const { request } = positional(args, { required: ['request'] });
    const req = jsonArg(ProposeMemberRequest, request, 'request');
    if (members.includes(req.mspId) || (await hospitalOf(ctx, req.mspId)))
      fail('ALREADY_EXISTS', `${req.mspId} is already a member`);
    if (await get<MemberProposal>(ctx, KEY.memberProposal, [req.proposalId]))
      fail('ALREADY_EXISTS', `proposal ${req.proposalId} exists`);
    const open = await openProposalFor(ctx, req.mspId);
    if (open) fail('ALREADY_EXISTS', `proposal ${open} for ${req.mspId} is still open`);
    const now = txMillis(ctx);
    const expires = Date.parse(req.expiresAt);
    if (expires <= now || expires > now + MAX_PROPOSAL_MILLIS)
      fail('INVALID_ARGUMENT', 'request.expiresAt must lie within the next 90 days');
    checkPublicKey(req.encryptionKey.publicKeyPem, req.encryptionKey.algorithm);
    checkConfigUpdate(req);
    const proposal: MemberProposal = {
      ...req,
      caRootCertPem: req.caRootCertPem.replace(/\r\n/g, '\n'),
      encryptionKey: {
        ...req.encryptionKey,
        publicKeyPem: checkPublicKey(req.encryptionKey.publicKeyPem, req.encryptionKey.algorithm),
      },
      configUpdateSha256: sha256Hex(Buffer.from(req.configUpdate, 'base64')),
      proposedBy: caller.id,
      proposedAt: txTime(ctx),
      approvals: [],
      rejections: [],
      status: 'open',
    };
    await storeProposal(ctx, proposal, true);
    emit(ctx, 'MemberProposed', {
      proposalId: proposal.proposalId,
      mspId: proposal.mspId,
      configUpdateSha256: proposal.configUpdateSha256,
      proposedBy: caller.id,
    });
    return canonicalJson(view(ctx, proposal, members));
  }

  /**
   * An admin of a member hospital approves with their own signature over the update (one per
   * member hospital). At the majority the proposal is approved and the hospital registered.
   */
  async ApproveMember(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const members = await requireMemberAdmin(ctx, caller);
    const { proposalId, signature } = positional(args, { required: ['proposalId', 'signature'] });
    const p = await loadProposal(ctx, proposalId!);
    requireOpen(ctx, p);
    if (approvalOf(p, caller.mspId) || p.rejections.some((r) => r.mspId === caller.mspId))
      fail('ALREADY_EXISTS', `${caller.mspId} already decided on proposal ${p.proposalId}`);
    const sig = jsonArg(MemberSignature, signature, 'signature');
    checkSignature(ctx, p, sig);
    const updated: MemberProposal = {
      ...p,
      approvals: [...p.approvals, { mspId: caller.mspId, by: caller.id, at: txTime(ctx), ...sig }],
    };
    const approvals = updated.approvals.filter((a) => members.includes(a.mspId)).length;
    if (approvals >= majority(members.length)) {
      updated.status = 'approved';
      updated.closedAt = txTime(ctx);
      updated.closedBy = caller.id;
      await admit(ctx, updated, caller);
    }
    await storeProposal(ctx, updated);
    emit(ctx, updated.status === 'approved' ? 'MemberApproved' : 'MemberApprovalSigned', {
      proposalId: p.proposalId,
      mspId: p.mspId,
      approvedBy: caller.id,
    });
    return canonicalJson(view(ctx, updated, members));
  }

  /** An admin of a member hospital rejects; once a majority can no longer be reached it closes. */
  async RejectMember(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const members = await requireMemberAdmin(ctx, caller);
    const { proposalId, reason } = positional(args, {
      required: ['proposalId'],
      optional: ['reason'],
    });
    const p = await loadProposal(ctx, proposalId!);
    requireOpen(ctx, p);
    if (approvalOf(p, caller.mspId) || p.rejections.some((r) => r.mspId === caller.mspId))
      fail('ALREADY_EXISTS', `${caller.mspId} already decided on proposal ${p.proposalId}`);
    const why = reason === undefined ? undefined : check(REJECTION_REASON, reason, 'reason');
    const updated: MemberProposal = {
      ...p,
      rejections: [
        ...p.rejections,
        { mspId: caller.mspId, by: caller.id, at: txTime(ctx), ...(why ? { reason: why } : {}) },
      ],
    };
    const against = updated.rejections.filter((r) => members.includes(r.mspId)).length;
    if (members.length - against < majority(members.length)) {
      updated.status = 'rejected';
      updated.closedAt = txTime(ctx);
      updated.closedBy = caller.id;
    }
    await storeProposal(ctx, updated);
    emit(ctx, 'MemberRejected', {
      proposalId: p.proposalId,
      mspId: p.mspId,
      rejectedBy: caller.id,
    });
    return canonicalJson(view(ctx, updated, members));
  }

  /** An admin of the proposing hospital withdraws an open proposal. */
  async WithdrawMember(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const members = await requireMemberAdmin(ctx, caller);
    const { proposalId } = positional(args, { required: ['proposalId'] });
    const p = await loadProposal(ctx, proposalId!);
    if (mspOf(p.proposedBy) !== caller.mspId)
      fail('ACCESS_DENIED', 'only the proposing hospital withdraws its proposal');
    requireOpen(ctx, p);
    const updated: MemberProposal = {
      ...p,
      status: 'withdrawn',
      closedAt: txTime(ctx),
      closedBy: caller.id,
    };
    await storeProposal(ctx, updated);
    emit(ctx, 'MemberWithdrawn', {
      proposalId: p.proposalId,
      mspId: p.mspId,
      withdrawnBy: caller.id,
    });
    return canonicalJson(view(ctx, updated, members));
  }

  /** The approver whose gateway handed the update to the ordering service records it. */
  async RecordMemberSubmitted(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin');
    const members = await requireMemberAdmin(ctx, caller);
    const { proposalId } = positional(args, { required: ['proposalId'] });
    const p = await loadProposal(ctx, proposalId!);
    if (p.status !== 'approved')
      fail('CONFLICT', `proposal ${p.proposalId} is ${p.status}, not approved`);
    if (!approvalOf(p, caller.mspId))
      fail('ACCESS_DENIED', 'only an approving hospital submits the update');
    if (p.submittedAt) return canonicalJson(view(ctx, p, members));
    const updated: MemberProposal = { ...p, submittedAt: txTime(ctx), submittedBy: caller.id };
    await storeProposal(ctx, updated);
    emit(ctx, 'MemberUpdateSubmitted', {
      proposalId: p.proposalId,
      mspId: p.mspId,
      submittedBy: caller.id,
    });
    return canonicalJson(view(ctx, updated, members));
  }

  /** Admins and auditors of member hospitals read proposals (no personal data in them). */
  async GetMemberProposal(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin', 'auditor');
    const members = await requireMemberAdmin(ctx, caller);
    const { proposalId } = positional(args, { required: ['proposalId'] });
    return canonicalJson(view(ctx, await loadProposal(ctx, proposalId!), members));
  }

  /** Every proposal, newest first. */
  async ListMemberProposals(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'admin', 'auditor');
    const members = await requireMemberAdmin(ctx, caller);
    positional(args, { required: [] });
    const all = (await allProposals(ctx)).sort(
      (a, b) =>
        b.proposedAt.localeCompare(a.proposedAt) || a.proposalId.localeCompare(b.proposalId),
    );
    return canonicalJson(all.map((p) => view(ctx, p, members)));
  }
}
