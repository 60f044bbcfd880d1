// The same proposal endorsed separately by each hospital's peer gives byte-identical proposal
// response payloads (result, read-write set, event); one hospital's endorsement alone does not
// satisfy the endorsement policy; both together commit and the one chaincode event arrives.
// Runs unchanged on real Fabric.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { common, gateway as gw, msp, peer } from '@hyperledger/fabric-protos';
import type { Gateway, Transaction } from '@hyperledger/fabric-gateway';
import { testNetwork, enrollTestUser } from '../support';
import { LEDGER, PeerClients, call } from './ledger-client';

const net = testNetwork();
const [A, B] = net.hospitals as [(typeof net.hospitals)[0], (typeof net.hospitals)[0]];
const clients = new PeerClients(net);
afterAll(() => clients.close());

/** The proposal response payload and the endorsers' MSP ids inside a prepared transaction. */
function endorsed(tx: Transaction): { payload: Buffer; endorsers: string[] } {
  const prepared = gw.PreparedTransaction.deserializeBinary(
    (tx as unknown as { getBytes(): Uint8Array }).getBytes(),
  );
  const payload = common.Payload.deserializeBinary(prepared.getEnvelope()!.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = peer.ChaincodeActionPayload.deserializeBinary(
    transaction.getActionsList()[0]!.getPayload_asU8(),
  ).getAction()!;
  const endorsers = action
    .getEndorsementsList()
    .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid());
  return { payload: Buffer.from(action.getProposalResponsePayload_asU8()), endorsers };
}

/** Endorses one proposal at each hospital separately. */
async function endorseAtEach(
  g: Gateway,
  fn: string,
  args: string[],
): Promise<[Transaction, Transaction]> {
  const contract = clients.contract(g);
  const first = contract.newProposal(fn, { arguments: args, endorsingOrganizations: [A.mspId] });
  const t1 = await first.endorse();
  const proposed = gw.ProposedTransaction.deserializeBinary(
    (first as unknown as { getBytes(): Uint8Array }).getBytes(),
  );
  proposed.setEndorsingOrganizationsList([B.mspId]);
  const second = g.newProposal(proposed.serializeBinary());
  expect(second.getTransactionId()).toBe(first.getTransactionId());
  const t2 = await second.endorse();
  return [t1, t2];
}

describe(`determinism and endorsement policy on ${LEDGER}`, () => {
  it('both peers endorse the same proposal identically; one alone is refused at commit, both commit', async () => {
    const admin = await enrollTestUser(net, A, { role: 'admin' });
    const doctor = await enrollTestUser(net, A, { role: 'doctor', govId: 'GOV-det' });
    const patient = await enrollTestUser(net, A, { role: 'patient' });
    const adminGw = clients.gateway(A, admin);
    const doctorGw = clients.gateway(A, doctor);
    const patientId = `${A.mspId}/${patient.enrollmentId}`;
    const doctorId = `${A.mspId}/${doctor.enrollmentId}`;
    // the hospital must be registered (keep the stack's key when it is)
    const h = await call(clients.contract(adminGw), 'hospitals:GetHospital', [A.mspId]);
    let keyId: string;
    if (h.ok) {
      keyId = (h.result as { currentKey: { keyId: string } }).currentKey.keyId;
    } else {
      keyId = `test-${randomUUID()}`;
      const pem = generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).publicKey;
      const reg = await call(clients.contract(adminGw), 'hospitals:RegisterHospital', [
        JSON.stringify({
          mspId: A.mspId,
          displayName: A.displayName ?? A.name,
          keyId,
          algorithm: 'ECIES-P256',
          publicKeyPem: pem,
        }),
      ]);
      expect(reg).toMatchObject({ ok: true });
    }
    expect(
      await call(clients.contract(adminGw), 'assignments:AssignDoctor', [patientId, doctorId]),
    ).toMatchObject({ ok: true });
    // An unknown transaction is a coded error too.
    expect(await call(clients.contract(adminGw), 'records:DropAllRecords', [])).toEqual({
      ok: false,
      code: 'BAD_REQUEST',
    });

    const recordId = `det-${randomUUID()}`;
    const request = JSON.stringify({
      recordId,
      patientId,
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      sha256: 'a'.repeat(64),
      size: 123,
      mediaType: 'application/pdf',
      category: 'report',
      remarkHash: 'b'.repeat(64),
      wrappedKeys: [{ mspId: A.mspId, keyId, wrappedKey: 'QUJD' }],
    });
    const [t1, t2] = await endorseAtEach(doctorGw, 'records:AddRecord', [request]);
    const e1 = endorsed(t1);
    const e2 = endorsed(t2);
    expect(e1.endorsers).toEqual([A.mspId]);
    expect(e2.endorsers).toEqual([B.mspId]);
    expect(e2.payload.equals(e1.payload)).toBe(true);
    expect(Buffer.from(t2.getResult()).equals(Buffer.from(t1.getResult()))).toBe(true);

    // One hospital's endorsement does not satisfy AND(Hospital1, Hospital2).
    const status = await (await t1.submit()).getStatus();
    expect(status.code).toBe(peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    expect(status.successful).toBe(false);
    // Nothing was written: the record does not exist.
    const patientGw = clients.gateway(A, patient);
    expect(
      await call(clients.contract(patientGw), 'records:GetRecordMetadata', [recordId]),
    ).toEqual({ ok: false, code: 'NOT_FOUND' });

    // Both hospitals (the gateway's default) commit it, and its one chaincode event is delivered.
    const submitted = await clients
      .contract(doctorGw)
      .submitAsync('records:AddRecord', { arguments: [request] });
    const committed = await submitted.getStatus();
    expect(committed.successful).toBe(true);
    expect(JSON.parse(Buffer.from(submitted.getResult()).toString())).toMatchObject({
      recordId,
      authorMsp: A.mspId,
    });
    const events = await doctorGw
      .getNetwork(net.channel)
      .getChaincodeEvents(net.chaincode.name, { startBlock: committed.blockNumber });
    try {
      for await (const ev of events) {
        if (ev.transactionId !== submitted.getTransactionId()) continue;
        expect(ev.eventName).toBe('RecordAdded');
        expect(JSON.parse(Buffer.from(ev.payload).toString())).toEqual({
          recordId,
          patientId,
          authorMsp: A.mspId,
        });
        break;
      }
    } finally {
      events.close();
    }

    // A read that writes the access log: same result on both peers too.
    const [o1, o2] = await endorseAtEach(doctorGw, 'access:OpenRecord', [recordId, 'treatment']);
    expect(endorsed(o2).payload.equals(endorsed(o1).payload)).toBe(true);
    expect((await (await o1.submit()).getStatus()).code).toBe(
      peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE,
    );
  }, 300_000);
});
