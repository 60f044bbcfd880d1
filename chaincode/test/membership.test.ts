// Consortium membership on the in-memory ledger: proposals, admins' signatures over the config
// update checked against the submitter's own certificate, the majority, rejection, withdrawal,
// expiry, and who may do what.
import { createHash, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { signers } from '@hyperledger/fabric-gateway';
import { common, msp as mspProto } from '@hyperledger/fabric-protos';
import type { Hospital, MemberProposalView } from '../src/api';
import { CANDIDATE_CA_PEM, CANDIDATE_PEER, sampleOrgAdditionUpdate } from '../src/authz-matrix';
import { H1, H2, H3, P, codeOf, expectOk, testKeys, world } from './support/fixtures';
import { type MemoryLedger, type Person, person } from './support/memory-ledger';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface Signer {
  person: Person;
  key: KeyObject;
}

/** An admin with a real P-256 key and a (self-signed) certificate, as the chaincode sees it. */
async function admin(mspId: string, uid: string, ou = 'admin'): Promise<Signer> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${uid}, OU=${ou}`,
    keys,
    signingAlgorithm: alg,
    notBefore: new Date('2020-01-01'),
    notAfter: new Date('2040-01-01'),
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    person: { ...person(mspId, 'admin', uid), certificate: cert.toString('pem') },
    key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
  };
}

/** A ConfigSignature over the proposal's update by `s`, as the gateway makes it. */
async function signatureBy(s: Signer, configUpdate: string, header?: Uint8Array): Promise<string> {
  const creator = new mspProto.SerializedIdentity();
  creator.setMspid(s.person.mspId);
  creator.setIdBytes(Buffer.from(s.person.certificate!));
  const sh = new common.SignatureHeader();
  sh.setCreator(creator.serializeBinary());
  sh.setNonce(randomBytes(24));
  const headerBytes = header ?? sh.serializeBinary();
  const digest = createHash('sha256')
    .update(Buffer.concat([headerBytes, Buffer.from(configUpdate, 'base64')]))
    .digest();
  const signature = await signers.newPrivateKeySigner(s.key)(digest);
  return JSON.stringify({
    signatureHeader: Buffer.from(headerBytes).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
  });
}

/** The code of `who` approving `proposalId` with `signature` (JSON from signatureBy). */
async function approveCode(
  ledger: MemoryLedger,
  who: Person,
  proposalId: string,
  signature: string,
): Promise<string> {
  return codeOf(await ledger.invoke(who, 'hospitals:ApproveMember', proposalId, signature));
}

function proposal(
  ledger: MemoryLedger,
  id: string,
  mspId = H3,
  overrides: Record<string, unknown> = {},
) {
  const pem = testKeys().ec2;
  return JSON.stringify({
    proposalId: id,
    mspId,
    displayName: 'Lakeside Children’s Hospital',
    // the sample update's CA and anchor peer (authz-matrix.ts)
    caRootCertPem: CANDIDATE_CA_PEM,
    peerEndpoint: CANDIDATE_PEER,
    encryptionKey: { keyId: `${id}-k`, algorithm: 'ECIES-P256', publicKeyPem: pem },
    configUpdate: sampleOrgAdditionUpdate('ehr', mspId),
    expiresAt: new Date(ledger.now + 7 * 24 * 3600 * 1000).toISOString(),
    ...overrides,
  });
}

describe('consortium membership', () => {
  let ledger: MemoryLedger;
  let a1: Signer;
  let a2: Signer;

  beforeEach(async () => {
    ledger = await world();
    a1 = await admin(H1, 'admin-1');
    a2 = await admin(H2, 'admin-2');
  });

  it('records a proposal with its update hash; one member admin is not a majority, the second admits and registers the hospital', async () => {
    const proposed = expectOk(
      await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p1')),
    );
    const view = proposed.result as MemberProposalView;
    expect(view).toMatchObject({
      status: 'open',
      mspId: H3,
      members: [H1, H2],
      requiredApprovals: 2,
      expired: false,
    });
    expect(view.configUpdateSha256).toBe(
      createHash('sha256').update(Buffer.from(view.configUpdate, 'base64')).digest('hex'),
    );
    expect(proposed.event?.name).toBe('MemberProposed');

    const first = expectOk(
      await ledger.invoke(
        a1.person,
        'hospitals:ApproveMember',
        'p1',
        await signatureBy(a1, view.configUpdate),
      ),
    );
    expect(first.result).toMatchObject({
      status: 'open',
      approvals: [{ mspId: H1, by: `${H1}/admin-1` }],
    });
    expect(codeOf(await ledger.invoke(P.doctor2, 'hospitals:GetHospital', H3))).toBe('NOT_FOUND');
    // the same hospital cannot approve twice
    expect(
      await approveCode(ledger, a1.person, 'p1', await signatureBy(a1, view.configUpdate)),
    ).toBe('ALREADY_EXISTS');

    const second = expectOk(
      await ledger.invoke(
        a2.person,
        'hospitals:ApproveMember',
        'p1',
        await signatureBy(a2, view.configUpdate),
      ),
    );
    expect(second.result).toMatchObject({ status: 'approved', closedBy: `${H2}/admin-2` });
    expect(second.event).toMatchObject({
      name: 'MemberApproved',
      payload: { proposalId: 'p1', mspId: H3 },
    });
    const h3 = expectOk(await ledger.invoke(P.doctor1, 'hospitals:GetHospital', H3))
      .result as Hospital;
    expect(h3).toMatchObject({
      membership: 'admitted',
      currentKey: { keyId: 'p1-k', publicKeyPem: testKeys().ec2 },
    });
    // the new member's admin can now act (its gateway re-registers the same key: no change)
    expect(codeOf(await ledger.invoke(P.admin3, 'hospitals:GetHospitalStats'))).toBe('OK');
    // and the approver records the submission of the update once
    const submitted = expectOk(
      await ledger.invoke(a2.person, 'hospitals:RecordMemberSubmitted', 'p1'),
    );
    expect(submitted.result).toMatchObject({ submittedBy: `${H2}/admin-2` });
    expect(codeOf(await ledger.invoke(P.admin1, 'hospitals:ApproveMember', 'p1', '{}'))).toBe(
      'PROPOSAL_CLOSED',
    );
  });

  it('accepts only the submitter’s own valid signature over this update', async () => {
    const view = expectOk(
      await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p2')),
    ).result as MemberProposalView;
    // admin 2's signature submitted by admin 1
    expect(
      await approveCode(ledger, a1.person, 'p2', await signatureBy(a2, view.configUpdate)),
    ).toBe('SIGNATURE_INVALID');
    // a signature over another update
    expect(
      await approveCode(
        ledger,
        a1.person,
        'p2',
        await signatureBy(a1, sampleOrgAdditionUpdate('ehr', 'OtherMSP')),
      ),
    ).toBe('SIGNATURE_INVALID');
    // an admin-role account whose certificate is not an admin identity (NodeOU client)
    const client = await admin(H1, 'admin-1', 'client');
    expect(
      await approveCode(ledger, client.person, 'p2', await signatureBy(client, view.configUpdate)),
    ).toBe('SIGNATURE_INVALID');
    // a person without a certificate the signature could name
    expect(
      await approveCode(ledger, P.admin1, 'p2', await signatureBy(a1, view.configUpdate)),
    ).toBe('SIGNATURE_INVALID');
    const after = expectOk(await ledger.invoke(P.auditor2, 'hospitals:GetMemberProposal', 'p2'))
      .result as MemberProposalView;
    expect(after.approvals).toEqual([]);
  });

  it('refuses an update that adds another organisation than proposed or names another CA', async () => {
    const propose = async (overrides: Record<string, unknown>, mspId = H3) =>
      codeOf(
        await ledger.invoke(
          a1.person,
          'hospitals:ProposeMember',
          proposal(ledger, 'p3', mspId, overrides),
        ),
      );
    expect(await propose({ configUpdate: sampleOrgAdditionUpdate('ehr', 'OtherMSP') })).toBe(
      'CONFIG_UPDATE_INVALID',
    );
    expect(await propose({ peerEndpoint: 'elsewhere:1' })).toBe('CONFIG_UPDATE_INVALID');
    expect(await propose({ configUpdate: 'AAAA' })).toBe('CONFIG_UPDATE_INVALID');
    expect(await propose({}, H2)).toBe('ALREADY_EXISTS');
  });

  it('records rejections and withdrawals; an expired proposal accepts no decision; one open proposal per candidate', async () => {
    expectOk(await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p4')));
    expect(
      codeOf(await ledger.invoke(a2.person, 'hospitals:ProposeMember', proposal(ledger, 'p5'))),
    ).toBe('ALREADY_EXISTS');
    expect(codeOf(await ledger.invoke(a2.person, 'hospitals:WithdrawMember', 'p4'))).toBe(
      'ACCESS_DENIED',
    );
    const withdrawn = expectOk(await ledger.invoke(P.admin1, 'hospitals:WithdrawMember', 'p4'));
    ledger.advance(1000);
    expect(withdrawn.result).toMatchObject({ status: 'withdrawn', closedBy: `${H1}/admin-1` });

    expectOk(await ledger.invoke(a2.person, 'hospitals:ProposeMember', proposal(ledger, 'p5')));
    const rejected = expectOk(
      await ledger.invoke(P.admin1, 'hospitals:RejectMember', 'p5', 'Not accredited'),
    );
    expect(rejected.result).toMatchObject({
      status: 'rejected',
      rejections: [{ mspId: H1, reason: 'Not accredited' }],
    });

    ledger.advance(1000);
    const p6 = expectOk(
      await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p6')),
    ).result as MemberProposalView;
    ledger.advance(8 * 24 * 3600 * 1000);
    expect(await approveCode(ledger, a2.person, 'p6', await signatureBy(a2, p6.configUpdate))).toBe(
      'PROPOSAL_EXPIRED',
    );
    const list = expectOk(await ledger.invoke(P.admin2, 'hospitals:ListMemberProposals'))
      .result as MemberProposalView[];
    expect(list.map((p) => [p.proposalId, p.status, p.expired])).toEqual([
      ['p6', 'open', true],
      ['p5', 'rejected', false],
      ['p4', 'withdrawn', false],
    ]);
    // an expired proposal no longer blocks a new one
    expectOk(await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p7')));
  });

  it('doctors, patients and auditors may not propose or approve (FORBIDDEN_ROLE)', async () => {
    const view = expectOk(
      await ledger.invoke(a1.person, 'hospitals:ProposeMember', proposal(ledger, 'p8')),
    ).result as MemberProposalView;
    for (const who of [
      P.doctor1,
      P.patient1,
      P.auditor1,
      { ...person(H2, 'doctor', 'doc-x'), certificate: a2.person.certificate },
    ]) {
      expect(
        codeOf(await ledger.invoke(who, 'hospitals:ProposeMember', proposal(ledger, 'p9'))),
      ).toBe('FORBIDDEN_ROLE');
      expect(await approveCode(ledger, who, 'p8', await signatureBy(a2, view.configUpdate))).toBe(
        'FORBIDDEN_ROLE',
      );
    }
    expect(codeOf(await ledger.invoke(P.doctor1, 'hospitals:GetMemberProposal', 'p8'))).toBe(
      'FORBIDDEN_ROLE',
    );
    // a hospital that is not a member yet cannot propose
    expect(
      codeOf(
        await ledger.invoke(
          P.admin3,
          'hospitals:ProposeMember',
          proposal(ledger, 'p10', 'Hospital4MSP'),
        ),
      ),
    ).toBe('HOSPITAL_NOT_REGISTERED');
  });
});
