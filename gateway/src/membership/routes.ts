// Consortium membership through this hospital's gateway. Every ledger step is signed by the
// admin who asks, with their own key: the proposal (with the config update computed here from
// the channel's current configuration), their signature over that update, rejection and
// withdrawal. The chaincode decides who may do each (doctors and patients get FORBIDDEN_ROLE
// from it, not only from the role guard). When an approval reaches the majority, this gateway —
// the last approver's — hands the update with every collected signature to the orderer.
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Router, type Request } from 'express';
import { CodedError } from '@ehr/common';
import type { MemberProposalView, ProposeMemberRequest } from '@ehr/chaincode/api';
import { keyIdOf, WRAP_ALGORITHM } from '../crypto';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import {
  configUpdateTransaction,
  currentChannelConfig,
  orgAdditionUpdate,
  signConfigUpdate,
  submitConfigUpdate,
  updateIsCurrent,
  type AdminSigner,
} from './channel';

export const MEMBERSHIP = {
  propose: 'hospitals:ProposeMember',
  approve: 'hospitals:ApproveMember',
  reject: 'hospitals:RejectMember',
  withdraw: 'hospitals:WithdrawMember',
  submitted: 'hospitals:RecordMemberSubmitted',
  get: 'hospitals:GetMemberProposal',
  list: 'hospitals:ListMemberProposals',
} as const;

/** The proposal as the API shows it: plus the CA certificate's fingerprint to compare out of band. */
function present(p: MemberProposalView) {
  let caFingerprint = '';
  try {
    caFingerprint = new X509Certificate(p.caRootCertPem).fingerprint256;
  } catch {
    // the chaincode checked it parses; an unreadable one shows no fingerprint
  }
  return { ...p, caFingerprint };
}

export function membershipRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const admin = requireUser(ctx, 'admin');
  const reader = requireUser(ctx, 'admin', 'auditor');
  const { config } = ctx;

  /** The signed-in admin's own identity and key (unlocked at login), for config signatures. */
  const signerOf = (req: Request): AdminSigner => {
    const { user } = caller(req);
    const key = ctx.keys.get(req.sessionID, user.id);
    if (!key) throw new CodedError('SESSION_EXPIRED');
    return {
      mspId: config.hospital.mspId,
      certificate: user.certificate,
      privateKey: key.privateKey,
    };
  };
  const channelConfig = (req: Request) =>
    currentChannelConfig(
      {
        address: config.ledger.endpoint,
        tlsCa: readFileSync(config.ledger.tlsCaFile),
        serverName: config.ledger.tlsServerName,
      },
      config.ledger.channel,
      signerOf(req),
    );

  /** Hands an approved proposal's update to the orderer and records that on the ledger. */
  const submit = async (req: Request, p: MemberProposalView): Promise<MemberProposalView> => {
    const current = await channelConfig(req);
    const update = Buffer.from(p.configUpdate, 'base64');
    if (!updateIsCurrent(current, update)) throw new CodedError('CONFIG_UPDATE_STALE');
    const envelope = await configUpdateTransaction(
      config.ledger.channel,
      update,
      p.approvals,
      signerOf(req),
    );
    await submitConfigUpdate(current, envelope);
    req.log?.info(
      { proposalId: p.proposalId, mspId: p.mspId },
      'channel configuration update submitted',
    );
    return (
      await caller(req).ledger.submit<MemberProposalView>(MEMBERSHIP.submitted, [p.proposalId])
    ).result;
  };

  r.get('/membership/proposals', reader, async (req, res) => {
    const items = await caller(req).ledger.evaluate<MemberProposalView[]>(MEMBERSHIP.list, []);
    res.json({ items: items.map(present) });
  });

  r.get('/membership/proposals/:proposalId', reader, async (req, res) => {
    res.json(
      present(
        await caller(req).ledger.evaluate<MemberProposalView>(MEMBERSHIP.get, [
          String(req.params.proposalId),
        ]),
      ),
    );
  });

  r.post('/membership/proposals', admin, async (req, res) => {
    const b = req.body as {
      mspId: string;
      displayName: string;
      caRootCertPem: string;
      encryptionPublicKeyPem: string;
      peerEndpoint: string;
    };
    let keyId: string;
    try {
      keyId = keyIdOf(b.encryptionPublicKeyPem);
    } catch {
      throw new CodedError('VALIDATION_FAILED', 'The encryption key is not a PEM public key.', {
        fields: ['encryptionPublicKeyPem'],
      });
    }
    const current = await channelConfig(req);
    const update = orgAdditionUpdate(current, {
      mspId: b.mspId,
      caRootCertPem: b.caRootCertPem,
      peerEndpoint: b.peerEndpoint,
    });
    const request: ProposeMemberRequest = {
      proposalId: `mp-${randomUUID()}`,
      mspId: b.mspId,
      displayName: b.displayName,
      caRootCertPem: b.caRootCertPem,
      peerEndpoint: b.peerEndpoint,
      encryptionKey: { keyId, algorithm: WRAP_ALGORITHM, publicKeyPem: b.encryptionPublicKeyPem },
      configUpdate: Buffer.from(update).toString('base64'),
      expiresAt: new Date(
        Date.now() + config.membershipProposalDays * 24 * 3600 * 1000,
      ).toISOString(),
    };
    const { result } = await caller(req).ledger.submit<MemberProposalView>(MEMBERSHIP.propose, [
      JSON.stringify(request),
    ]);
    req.log?.info({ proposalId: result.proposalId, mspId: result.mspId }, 'membership proposed');
    res.status(201).json(present(result));
  });

  r.post('/membership/proposals/:proposalId/approve', admin, async (req, res) => {
    const id = String(req.params.proposalId);
    const p = await caller(req).ledger.evaluate<MemberProposalView>(MEMBERSHIP.get, [id]);
    const update = Buffer.from(p.configUpdate, 'base64');
    // What this admin signs is what the ledger recorded, and still applies to the channel.
    if (createHash('sha256').update(update).digest('hex') !== p.configUpdateSha256)
      throw new CodedError('CONFIG_UPDATE_INVALID');
    if (p.status === 'open' && !p.expired && !updateIsCurrent(await channelConfig(req), update))
      throw new CodedError('CONFIG_UPDATE_STALE');
    const signature = await signConfigUpdate(signerOf(req), update);
    let { result } = await caller(req).ledger.submit<MemberProposalView>(MEMBERSHIP.approve, [
      id,
      JSON.stringify(signature),
    ]);
    let submitted = false;
    if (result.status === 'approved') {
      result = await submit(req, result);
      submitted = true;
    }
    res.json({ proposal: present(result), submitted });
  });

  r.post('/membership/proposals/:proposalId/submit', admin, async (req, res) => {
    const p = await caller(req).ledger.evaluate<MemberProposalView>(MEMBERSHIP.get, [
      String(req.params.proposalId),
    ]);
    if (p.status !== 'approved')
      throw new CodedError('CONFLICT', 'Only an approved proposal is submitted.');
    res.json({ proposal: present(await submit(req, p)), submitted: true });
  });

  r.post('/membership/proposals/:proposalId/reject', admin, async (req, res) => {
    const { reason } = req.body as { reason?: string };
    const args = [String(req.params.proposalId), ...(reason ? [reason] : [])];
    res.json(
      present(
        (await caller(req).ledger.submit<MemberProposalView>(MEMBERSHIP.reject, args)).result,
      ),
    );
  });

  r.post('/membership/proposals/:proposalId/withdraw', admin, async (req, res) => {
    res.json(
      present(
        (
          await caller(req).ledger.submit<MemberProposalView>(MEMBERSHIP.withdraw, [
            String(req.params.proposalId),
          ])
        ).result,
      ),
    );
  });

  return r;
}
