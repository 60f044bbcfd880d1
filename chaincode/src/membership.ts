// Consortium membership on the ledger: a proposal to add a hospital, carrying the channel
// configuration update that adds it; each member hospital's admin signs that update (one
// signature per member MSP, made by the submitting admin's own identity and checked here);
// at a majority of the members (as the channel's `MAJORITY Admins` policy counts) the proposal
// is approved and the hospital is registered with the encryption key named in the proposal.
// The ledger also keeps rejections, withdrawals and the submission of the update; a proposal
// past its expiry accepts no decision. The transactions are hospitals:*Member* (hospitals.ts).
import { X509Certificate } from 'node:crypto';
import { verifyEcdsa } from '@ehr/network/dist/src/blocks/ecdsa';
import { z } from 'zod';
import {
  KEY_ALGORITHMS,
  type Admission,
  type Hospital,
  type HospitalKey,
  type MemberApproval,
  type MemberProposal,
  type MemberProposalView,
} from './api';
import {
  ConfigUpdateReadError,
  configSignatureMessage,
  normalizePem,
  orgAdditionOf,
  signatureHeaderCreator,
} from './config-update';
import { foundingMembers } from './config';
import { txMillis, txTime, type TxContext } from './context';
import { fail } from './errors';
import type { Caller } from './identity';
import { hospitalOf } from './members';
import { KEY, get, mark, put, scan, scanKeys } from './state';
import { DISPLAY_NAME, ID, ISO_TIME, MSP, check, hasControlCharacters } from './validate';

/** Longest a proposal may stay open (the proposer's gateway chooses within it). */
export const MAX_PROPOSAL_MILLIS = 90 * 24 * 60 * 60 * 1000;

const PEM_CERT =
  /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;
const BASE64 = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);

export const ProposeMemberRequest = z
  .object({
    proposalId: ID,
    mspId: MSP,
    displayName: DISPLAY_NAME,
    caRootCertPem: z.string().min(1).max(8192).regex(PEM_CERT),
    peerEndpoint: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/),
    encryptionKey: z
      .object({
        keyId: ID,
        algorithm: z.enum(KEY_ALGORITHMS),
        publicKeyPem: z.string().min(1).max(4096),
      })
      .strict(),
    configUpdate: BASE64(256 * 1024),
    expiresAt: ISO_TIME,
  })
  .strict();

export const MemberSignature = z
  .object({ signatureHeader: BASE64(16 * 1024), signature: BASE64(512) })
  .strict();

export const REJECTION_REASON = z
  .string()
  .max(500)
  .refine((v) => !hasControlCharacters(v));

/** The member hospitals now: founding ones and every registered one (admitted included). */
export async function currentMembers(ctx: TxContext): Promise<string[]> {
  const registered = (await scanKeys(ctx, KEY.hospital, [])).map(([msp]) => msp!);
  return [...new Set([...foundingMembers(), ...registered])].sort();
}

/** Fabric's MAJORITY: more than half of the sub-policies (integer n/2 + 1). */
export const majority = (members: number) => Math.floor(members / 2) + 1;

export async function requireMemberAdmin(ctx: TxContext, caller: Caller): Promise<string[]> {
  const members = await currentMembers(ctx);
  if (!members.includes(caller.mspId))
    fail('HOSPITAL_NOT_REGISTERED', `${caller.mspId} is not a member hospital`);
  return members;
}

export async function loadProposal(ctx: TxContext, proposalId: string): Promise<MemberProposal> {
  const p = await get<MemberProposal>(ctx, KEY.memberProposal, [
    check(ID, proposalId, 'proposalId'),
  ]);
  if (!p) fail('NOT_FOUND', `no membership proposal ${proposalId}`);
  return p;
}

const isExpired = (ctx: TxContext, p: MemberProposal) =>
  p.status === 'open' && txMillis(ctx) > Date.parse(p.expiresAt);

/** Decisions are taken only on an open proposal before its expiry. */
export function requireOpen(ctx: TxContext, p: MemberProposal): void {
  if (p.status !== 'open') fail('PROPOSAL_CLOSED', `proposal ${p.proposalId} is ${p.status}`);
  if (isExpired(ctx, p))
    fail('PROPOSAL_EXPIRED', `proposal ${p.proposalId} expired at ${p.expiresAt}`);
}

export function view(ctx: TxContext, p: MemberProposal, members: string[]): MemberProposalView {
  return { ...p, expired: isExpired(ctx, p), members, requiredApprovals: majority(members.length) };
}

/** Whether an open, unexpired proposal for `mspId` exists already. */
export async function openProposalFor(ctx: TxContext, mspId: string): Promise<string | undefined> {
  for (const [, id] of await scanKeys(ctx, KEY.memberProposalByMsp, [mspId])) {
    const p = await get<MemberProposal>(ctx, KEY.memberProposal, [id!]);
    if (p && p.status === 'open' && !isExpired(ctx, p)) return p.proposalId;
  }
  return undefined;
}

/** The request's update must add exactly the proposed organisation, with its CA and peer. */
export function checkConfigUpdate(req: z.output<typeof ProposeMemberRequest>): void {
  let addition;
  try {
    addition = orgAdditionOf(Buffer.from(req.configUpdate, 'base64'));
  } catch (e) {
    if (e instanceof ConfigUpdateReadError) fail('CONFIG_UPDATE_INVALID', e.message);
    throw e;
  }
  const root = normalizePem(req.caRootCertPem);
  if (addition.mspId !== req.mspId)
    fail('CONFIG_UPDATE_INVALID', `the update adds ${addition.mspId}, not ${req.mspId}`);
  if (addition.rootCertsPem.length !== 1 || addition.rootCertsPem[0] !== root)
    fail('CONFIG_UPDATE_INVALID', 'the update names another CA root certificate');
  if (!addition.anchorPeers.includes(req.peerEndpoint))
    fail('CONFIG_UPDATE_INVALID', `the update does not name ${req.peerEndpoint} as anchor peer`);
  try {
    new X509Certificate(req.caRootCertPem);
  } catch {
    fail('INVALID_ARGUMENT', 'request.caRootCertPem is not a certificate');
  }
}

/**
 * The submitter's own signature over the proposal's update: the signature header must name
 * the submitting identity (its MSP and certificate) and the ECDSA signature must verify, low-S,
 * as the orderer will check it.
 */
export function checkSignature(
  ctx: TxContext,
  p: MemberProposal,
  sig: z.output<typeof MemberSignature>,
): void {
  const header = Buffer.from(sig.signatureHeader, 'base64');
  let creator;
  try {
    creator = signatureHeaderCreator(header);
  } catch {
    fail('SIGNATURE_INVALID', 'the signature header is not a SignatureHeader');
  }
  const own = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
  if (
    creator.mspId !== ctx.clientIdentity.getMSPID() ||
    normalizePem(creator.certificatePem) !== normalizePem(own)
  )
    fail('SIGNATURE_INVALID', 'the signature header names another identity than the submitter');
  // The channel's Admins policy counts only admin identities (NodeOU admin): a signature by
  // another identity would be counted here and refused by the orderer.
  const ous = new X509Certificate(own).subject.split(/\n|\+/).map((rdn) => rdn.trim());
  if (!ous.includes('OU=admin'))
    fail(
      'SIGNATURE_INVALID',
      'the signer is not an admin identity of its organisation (NodeOU admin)',
    );
  let ok = false;
  try {
    ok = verifyEcdsa(
      new X509Certificate(own).publicKey,
      configSignatureMessage(header, Buffer.from(p.configUpdate, 'base64')),
      Buffer.from(sig.signature, 'base64'),
    );
  } catch (e) {
    fail('SIGNATURE_INVALID', (e as Error).message);
  }
  if (!ok) fail('SIGNATURE_INVALID', 'the signature does not verify over the update');
}

/** At the majority: the hospital is admitted and registered with the proposal's key. */
export async function admit(ctx: TxContext, p: MemberProposal, approver: Caller): Promise<void> {
  const now = txTime(ctx);
  if (!(await hospitalOf(ctx, p.mspId))) {
    const key: HospitalKey = {
      mspId: p.mspId,
      keyId: p.encryptionKey.keyId,
      algorithm: p.encryptionKey.algorithm,
      publicKeyPem: p.encryptionKey.publicKeyPem,
      activatedAt: now,
      registeredBy: approver.id,
    };
    const hospital: Hospital = {
      mspId: p.mspId,
      displayName: p.displayName,
      currentKey: key,
      registeredAt: now,
      updatedAt: now,
      membership: 'admitted',
    };
    await put(ctx, KEY.hospital, [p.mspId], hospital);
    await put(ctx, KEY.hospitalKey, [p.mspId, key.keyId], key);
  }
  const admission: Admission = {
    mspId: p.mspId,
    approvals: p.approvals.map((a) => a.mspId).sort(),
    admittedAt: now,
  };
  await put(ctx, KEY.admission, [p.mspId], admission);
}

export async function storeProposal(
  ctx: TxContext,
  p: MemberProposal,
  isNew = false,
): Promise<void> {
  await put(ctx, KEY.memberProposal, [p.proposalId], p);
  if (isNew) await mark(ctx, KEY.memberProposalByMsp, [p.mspId, p.proposalId]);
}

export async function allProposals(ctx: TxContext): Promise<MemberProposal[]> {
  return (await scan<MemberProposal>(ctx, KEY.memberProposal, [])).map((e) => e.value);
}

export const approvalOf = (p: MemberProposal, mspId: string): MemberApproval | undefined =>
  p.approvals.find((a) => a.mspId === mspId);
