// Ledger conformance: what a Fabric 3.1 network does for our gateway and chaincode, checked only
// through the unmodified fabric-gateway client with identities enrolled at the hospitals' real
// CAs and the suite's contract in real fabric-chaincode-node servers. Endpoints come from
// network.yaml (LEDGER=fabric: the real peers), so the same file runs against real Fabric.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  checkpointers,
  CommitError,
  EndorseError,
  GatewayError,
  type Gateway,
  type Signer,
} from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { enrollTestUser, testNetwork, waitFor, type EnrolledUser } from '../support';
import {
  expiredIdentity,
  LEDGER,
  LedgerClients,
  privateKeySigner,
  startTestContractServers,
} from './support';

const Code = peer.TxValidationCode;
const net = testNetwork();
const [A, B] = net.hospitals as [(typeof net.hospitals)[0], (typeof net.hospitals)[0]];
const clients = new LedgerClients(net);
let servers: { stop(): Promise<void> } | undefined;
let alice: EnrolledUser; // client of Hospital1
let bob: EnrolledUser; // client of Hospital2
let gwA: Gateway;
let gwB: Gateway;

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const unique = (what: string) => `${what}-${randomUUID()}`;

beforeAll(async () => {
  servers = await startTestContractServers(net);
  alice = await enrollTestUser(net, A, { role: 'patient' });
  bob = await enrollTestUser(net, B, { role: 'patient' });
  gwA = clients.gateway(A, alice);
  gwB = clients.gateway(B, bob);
  // The contract's servers may have just started: wait until each hospital's peer reaches its own.
  for (const gw of [gwA, gwB]) {
    await waitFor('the test contract through the peer', async () => {
      try {
        await clients.testContract(gw).evaluateTransaction('Get', 'ready');
        return true;
      } catch (e) {
        const details = e instanceof GatewayError ? e.details.map((d) => d.message).join('; ') : '';
        throw new Error(`${(e as Error).message} ${details}`, { cause: e });
      }
    });
  }
}, 180_000);

afterAll(async () => {
  clients.close();
  await servers?.stop();
});

describe(`ledger conformance on ${LEDGER}`, () => {
  it('submitTransaction commits and evaluateTransaction reads it at the other hospital', async () => {
    const key = unique('k');
    await clients.testContract(gwA).submitTransaction('Put', key, 'hello');
    // The commit status came from Hospital1's peer; on Fabric, Hospital2's commits the same
    // block on its own a moment later (devnet's peers share one ledger).
    const read = async () => text(await clients.testContract(gwB).evaluateTransaction('Get', key));
    expect(
      await waitFor(
        'the value at the other hospital',
        async () => (await read()) === 'hello' || undefined,
        10_000,
      ),
    ).toBe(true);
  });

  it('submitAsync returns the result at once and getStatus the commit', async () => {
    const key = unique('counter');
    const submitted = await clients
      .testContract(gwA)
      .submitAsync('Increment', { arguments: [key] });
    expect(text(submitted.getResult())).toBe('1');
    const status = await submitted.getStatus();
    expect(status).toMatchObject({
      successful: true,
      code: Code.VALID,
      transactionId: submitted.getTransactionId(),
    });
    expect(status.blockNumber).toBeGreaterThan(0n);
  });

  it('getChaincodeEvents delivers committed events and resumes after a checkpoint', async () => {
    const network = gwA.getNetwork(net.channel);
    const contract = clients.testContract(gwA);
    const name = unique('Event');
    const first = await contract.submitAsync('Emit', { arguments: [name, 'one'] });
    const start = (await first.getStatus()).blockNumber;
    await contract.submitTransaction('Emit', name, 'two');

    const checkpointer = checkpointers.inMemory();
    const events = await network.getChaincodeEvents(contract.getChaincodeName(), {
      startBlock: start,
      checkpoint: checkpointer,
    });
    const seen: string[] = [];
    try {
      for await (const event of events) {
        if (event.eventName !== name) continue;
        seen.push(text(event.payload));
        await checkpointer.checkpointChaincodeEvent(event);
        if (seen.length === 2) break;
      }
    } finally {
      events.close();
    }
    expect(seen).toEqual(['one', 'two']);

    await contract.submitTransaction('Emit', name, 'three');
    const resumed = await network.getChaincodeEvents(contract.getChaincodeName(), {
      checkpoint: checkpointer,
    });
    try {
      for await (const event of resumed) {
        if (event.eventName !== name) continue;
        expect(text(event.payload)).toBe('three');
        break;
      }
    } finally {
      resumed.close();
    }
  });

  it('a chaincode error comes back with Fabric’s message and one detail per endorser', async () => {
    const contract = clients.testContract(gwA);
    const endorse = await contract
      .submitTransaction('Fail', 'NOT_FOUND: no such thing')
      .catch((e: unknown) => e);
    expect(endorse).toBeInstanceOf(EndorseError);
    expect((endorse as EndorseError).code).toBe(grpc.status.ABORTED);
    expect((endorse as EndorseError).message).toBe(
      '10 ABORTED: failed to endorse transaction, see attached details for more info',
    );
    expect((endorse as EndorseError).details).toEqual([
      expect.objectContaining({
        mspId: A.mspId,
        message: 'chaincode response 500, NOT_FOUND: no such thing',
      }),
    ]);
    const evaluate = await contract.evaluateTransaction('Fail', 'nope').catch((e: unknown) => e);
    expect(evaluate).toBeInstanceOf(GatewayError);
    expect((evaluate as GatewayError).code).toBe(grpc.status.UNKNOWN);
    expect((evaluate as GatewayError).details[0]!.message).toBe('chaincode response 500, nope');
  });

  describe('a key’s own endorsement policy (state-based endorsement, VALIDATION_PARAMETER)', () => {
    const policyOf = (...orgs: string[]) => JSON.stringify(orgs);

    it('replaces the chaincode’s policy for writes to that key, weaker or stricter', async () => {
      const key = unique('sbe');
      const both = [A.mspId, B.mspId];
      expect((await endorsedBy(gwA, both, 'Put', key, 'v0')).code).toBe(Code.VALID);
      // Set under the chaincode's policy (both hospitals), which the key has until then.
      expect((await endorsedBy(gwA, both, 'SetKeyEndorsers', key, policyOf(A.mspId))).code).toBe(
        Code.VALID,
      );
      // Hospital1's peer alone now suffices for this key, not for any other.
      expect((await endorsedBy(gwA, [A.mspId], 'Put', key, 'v1')).code).toBe(Code.VALID);
      expect(text(await clients.testContract(gwA).evaluateTransaction('Get', key))).toBe('v1');
      expect((await endorsedBy(gwA, [B.mspId], 'Put', key, 'v2')).code).toBe(
        Code.ENDORSEMENT_POLICY_FAILURE,
      );
      expect((await endorsedBy(gwA, [A.mspId], 'Put', unique('other'), 'v')).code).toBe(
        Code.ENDORSEMENT_POLICY_FAILURE,
      );

      // A policy no endorsement can meet (an organisation without peers here) refuses even
      // a write both hospitals endorsed.
      const locked = unique('sbe-locked');
      expect((await endorsedBy(gwA, both, 'Put', locked, 'v0')).code).toBe(Code.VALID);
      expect(
        (await endorsedBy(gwA, both, 'SetKeyEndorsers', locked, policyOf(A.mspId, 'NoSuchOrgMSP')))
          .code,
      ).toBe(Code.VALID);
      expect((await endorsedBy(gwA, both, 'Put', locked, 'v1')).code).toBe(
        Code.ENDORSEMENT_POLICY_FAILURE,
      );
      expect(text(await clients.testContract(gwA).evaluateTransaction('Get', locked))).toBe('v0');
    });

    it('a change of the policy is checked against the policy it replaces', async () => {
      const key = unique('sbe-change');
      const both = [A.mspId, B.mspId];
      await endorsedBy(gwA, both, 'Put', key, 'v0');
      expect((await endorsedBy(gwA, both, 'SetKeyEndorsers', key, policyOf(A.mspId))).code).toBe(
        Code.VALID,
      );
      // Hospital2 alone may not hand the key to itself; Hospital1 alone may.
      expect(
        (await endorsedBy(gwA, [B.mspId], 'SetKeyEndorsers', key, policyOf(B.mspId))).code,
      ).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
      expect(
        (await endorsedBy(gwA, [A.mspId], 'SetKeyEndorsers', key, policyOf(B.mspId))).code,
      ).toBe(Code.VALID);
      expect((await endorsedBy(gwA, [A.mspId], 'Put', key, 'v1')).code).toBe(
        Code.ENDORSEMENT_POLICY_FAILURE,
      );
      expect((await endorsedBy(gwA, [B.mspId], 'Put', key, 'v2')).code).toBe(Code.VALID);
    });

    it('the gateway asks the peers a written key’s policy needs, and refuses one no peers can meet', async () => {
      const contract = clients.testContract(gwA);
      const committed = async (key: string) => {
        const submitted = await contract.submitAsync('Put', { arguments: [key, 'v1'] });
        const status = await submitted.getStatus();
        return {
          code: status.code,
          orgs: await endorsingOrgs(gwA, submitted.getTransactionId(), status.blockNumber),
        };
      };
      const withPolicy = async (orgs: string[]) => {
        const key = unique('sbe-plan');
        await contract.submitTransaction('Put', key, 'v0');
        await contract.submitTransaction('SetKeyEndorsers', key, policyOf(...orgs));
        return key;
      };
      // No endorsing organisations given: the chaincode's policy, both hospitals.
      expect(await committed(unique('plain'))).toEqual({
        code: Code.VALID,
        orgs: [A.mspId, B.mspId].sort(),
      });
      // The key's own policy alone decides which peers endorse, even without the gateway's own.
      expect(await committed(await withPolicy([A.mspId]))).toEqual({
        code: Code.VALID,
        orgs: [A.mspId],
      });
      expect(await committed(await withPolicy([B.mspId]))).toEqual({
        code: Code.VALID,
        orgs: [B.mspId],
      });
      const locked = await withPolicy([A.mspId, 'NoSuchOrgMSP']);
      const err = await contract.submitTransaction('Put', locked, 'v1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EndorseError);
      expect((err as EndorseError).code).toBe(grpc.status.FAILED_PRECONDITION);
      expect((err as EndorseError).message).toBe(
        '9 FAILED_PRECONDITION: no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy',
      );
    });

    it('a write in the same block after a valid change of the key’s policy: ENDORSEMENT_POLICY_FAILURE', async () => {
      const contract = clients.testContract(gwA);
      const both = [A.mspId, B.mspId];
      // Two submits one after the other share a block when the second reaches the orderer within
      // the batch timeout (5 ms); on a busy machine it can miss it, and then the write is simply
      // valid in the next block. The scenario is repeated on a fresh key until they share one.
      let key = '';
      let outcome: { c: { code: number }; w: { code: number } } | undefined;
      for (let attempt = 0; attempt < 8 && !outcome; attempt++) {
        key = unique('sbe-block');
        await endorsedBy(gwA, both, 'Put', key, 'v0');
        expect((await endorsedBy(gwA, both, 'SetKeyEndorsers', key, policyOf(B.mspId))).code).toBe(
          Code.VALID,
        );
        // Endorsed by both hospitals: the write satisfies the old policy and the new one.
        const change = await contract
          .newProposal('SetKeyEndorsers', {
            arguments: [key, policyOf(A.mspId)],
            endorsingOrganizations: [B.mspId],
          })
          .endorse();
        const write = await contract
          .newProposal('Put', { arguments: [key, 'v1'], endorsingOrganizations: both })
          .endorse();
        const changed = await change.submit();
        const written = await write.submit();
        const [c, w] = await Promise.all([changed.getStatus(), written.getStatus()]);
        expect(w.blockNumber).toBeGreaterThanOrEqual(c.blockNumber); // the change first
        if (w.blockNumber === c.blockNumber) outcome = { c, w };
        else expect(w.code).toBe(Code.VALID); // a later block: the new policy (Hospital1) holds
      }
      expect(outcome).toBeDefined();
      expect(outcome!.c.code).toBe(Code.VALID);
      expect(outcome!.w.code).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
      // In a later block the new policy is the key's: Hospital1 alone.
      expect((await endorsedBy(gwA, [A.mspId], 'Put', key, 'v2')).code).toBe(Code.VALID);
      expect(text(await contract.evaluateTransaction('Get', key))).toBe('v2');
    });
  });

  describe('refused', () => {
    const refusal = async (gw: Gateway) =>
      (await clients
        .testContract(gw)
        .submitTransaction('Put', unique('x'), 'y')
        .catch((e: unknown) => e)) as EndorseError;

    it('a forged signature (high-S twin of a valid one): access denied', async () => {
      const valid = privateKeySigner(alice.privateKey);
      const forged: Signer = async (digest) => highS(await valid(digest));
      const err = await refusal(clients.raw(A, A.mspId, alice.certificate, forged));
      expect(err).toBeInstanceOf(EndorseError);
      expect(err.details[0]!.message).toBe(
        `error validating proposal: access denied: channel [${net.channel}] creator org [${A.mspId}]`,
      );
      const garbage: Signer = async () => Buffer.from('30060201010201ff', 'hex');
      const err2 = await refusal(clients.raw(A, A.mspId, alice.certificate, garbage));
      expect(err2.details[0]!.message).toBe(
        `error validating proposal: access denied: channel [${net.channel}] creator org [${A.mspId}]`,
      );
    });

    it('an MSP that is not on the channel: creator org unknown', async () => {
      const err = await refusal(
        clients.raw(A, 'UnknownMSP', alice.certificate, privateKeySigner(alice.privateKey)),
      );
      expect(err.code).toBe(grpc.status.ABORTED);
      expect(err.details[0]!.message).toBe(
        `error validating proposal: access denied: channel [${net.channel}] creator org unknown, creator is malformed`,
      );
    });

    it('a certificate of another organisation’s CA presented as ours (foreign certificate)', async () => {
      const err = await refusal(
        clients.raw(A, A.mspId, bob.certificate, privateKeySigner(bob.privateKey)),
      );
      // As Fabric 3.1.5 answers: the MSP does not even deserialize a certificate that does not
      // chain to its CA, so the creator's organisation is "unknown".
      expect(err.details[0]!.message).toBe(
        `error validating proposal: access denied: channel [${net.channel}] creator org unknown, creator is malformed`,
      );
    });

    it('an expired certificate of our own CA', async () => {
      const expired = await expiredIdentity(net, A);
      const err = await refusal(
        clients.raw(A, A.mspId, expired.certificate, privateKeySigner(expired.privateKey)),
      );
      expect(err).toBeInstanceOf(EndorseError);
      expect(err.details[0]!.message).toBe('proposal client identity expired');
    });

    it('a replayed transaction: refused at endorsement, DUPLICATE_TXID at commit', async () => {
      const contract = clients.testContract(gwA);
      const proposal = contract.newProposal('Put', { arguments: [unique('dup'), 'v'] });
      const transaction = await proposal.endorse();
      const commit = await transaction.submit();
      expect((await commit.getStatus()).code).toBe(Code.VALID);

      const again = await proposal.endorse().catch((e: unknown) => e);
      expect(again).toBeInstanceOf(EndorseError);
      expect((again as EndorseError).details[0]!.message).toContain(
        `duplicate transaction found [${proposal.getTransactionId()}]`,
      );

      // The same signed envelope again: ordered, then marked DUPLICATE_TXID in its block.
      const network = gwA.getNetwork(net.channel);
      const from = (await commit.getStatus()).blockNumber + 1n;
      const replay = gwA.newTransaction(transaction.getBytes());
      await replay.submit();
      const blocks = await network.getFilteredBlockEvents({ startBlock: from });
      let code: number | undefined;
      try {
        for await (const block of blocks) {
          const tx = block
            .getFilteredTransactionsList()
            .find((t) => t.getTxid() === proposal.getTransactionId());
          if (tx) {
            code = tx.getTxValidationCode();
            break;
          }
        }
      } finally {
        blocks.close();
      }
      expect(code).toBe(Code.DUPLICATE_TXID);
    });

    it('a missing endorsement: ENDORSEMENT_POLICY_FAILURE at commit', async () => {
      const contract = clients.testContract(gwA);
      const proposal = contract.newProposal('Put', {
        arguments: [unique('one-org'), 'v'],
        endorsingOrganizations: [A.mspId],
      });
      const transaction = await proposal.endorse();
      const status = await (await transaction.submit()).getStatus();
      expect(status.code).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
      expect(status.successful).toBe(false);
      const err = await contract.submitTransaction('Put', unique('x'), 'y').then(() => undefined);
      expect(err).toBeUndefined(); // the normal path (both hospitals) still commits
    });

    it('concurrent updates of one key: one VALID per block, the others MVCC_READ_CONFLICT', async () => {
      const contract = clients.testContract(gwA);
      const key = unique('hot');
      const n = 16;
      const submitted = await Promise.all(
        Array.from({ length: n }, () => contract.submitAsync('Increment', { arguments: [key] })),
      );
      const statuses = await Promise.all(submitted.map((s) => s.getStatus()));
      const byBlock = new Map<bigint, number[]>();
      for (const s of statuses)
        byBlock.set(s.blockNumber, [...(byBlock.get(s.blockNumber) ?? []), s.code]);
      for (const codes of byBlock.values()) {
        expect(codes.filter((c) => c === Code.VALID).length).toBeLessThanOrEqual(1);
        for (const c of codes) expect([Code.VALID, Code.MVCC_READ_CONFLICT]).toContain(c);
      }
      // All were endorsed before the first of them committed: its block has exactly one VALID.
      const firstBlock = [...byBlock.keys()].sort((x, y) => (x < y ? -1 : 1))[0]!;
      expect(byBlock.get(firstBlock)!.filter((c) => c === Code.VALID)).toHaveLength(1);
      const valid = statuses.filter((s) => s.code === Code.VALID).length;
      expect(text(await contract.evaluateTransaction('Get', key))).toBe(String(valid));
      // submitTransaction surfaces a conflict as a CommitError with the code
      const errors = await Promise.all(
        Array.from({ length: 4 }, () =>
          contract.submitTransaction('Increment', key).catch((e: unknown) => e),
        ),
      );
      for (const e of errors.filter((x) => x instanceof Error)) {
        expect(e).toBeInstanceOf(CommitError);
        expect((e as CommitError).code).toBe(Code.MVCC_READ_CONFLICT);
      }
    });
  });
});

/** A transaction of the test contract endorsed by the peers of `orgs` only; its commit status. */
async function endorsedBy(gw: Gateway, orgs: string[], name: string, ...args: string[]) {
  const transaction = await clients
    .testContract(gw)
    .newProposal(name, { arguments: args, endorsingOrganizations: orgs })
    .endorse();
  return (await transaction.submit()).getStatus();
}

/** The organisations whose peers endorsed a committed transaction (read from its block). */
async function endorsingOrgs(gw: Gateway, txId: string, blockNumber: bigint): Promise<string[]> {
  const blocks = await gw.getNetwork(net.channel).getBlockEvents({ startBlock: blockNumber });
  try {
    for await (const block of blocks) {
      for (const raw of block.getData()!.getDataList_asU8()) {
        const payload = common.Payload.deserializeBinary(
          common.Envelope.deserializeBinary(raw).getPayload_asU8(),
        );
        const header = common.ChannelHeader.deserializeBinary(
          payload.getHeader()!.getChannelHeader_asU8(),
        );
        if (header.getTxId() !== txId) continue;
        const action = peer.Transaction.deserializeBinary(
          payload.getData_asU8(),
        ).getActionsList()[0]!;
        const endorsements = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8())
          .getAction()!
          .getEndorsementsList();
        return endorsements
          .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid())
          .sort();
      }
      throw new Error(`transaction ${txId} is not in block ${blockNumber}`);
    }
  } finally {
    blocks.close();
  }
  throw new Error('no block');
}

/** The high-S twin of a DER ECDSA P-256 signature (valid for plain ECDSA, refused by Fabric). */
function highS(der: Uint8Array): Uint8Array {
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const b = Buffer.from(der);
  const rLen = b[3]!;
  const r = b.subarray(4, 4 + rLen);
  const sLen = b[5 + rLen]!;
  const s = BigInt('0x' + b.subarray(6 + rLen, 6 + rLen + sLen).toString('hex'));
  const int = (v: Buffer | bigint) => {
    let bytes =
      typeof v === 'bigint' ? Buffer.from(v.toString(16).padStart(64, '0'), 'hex') : Buffer.from(v);
    while (bytes.length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) bytes = bytes.subarray(1);
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([2, bytes.length]), bytes]);
  };
  const body = Buffer.concat([int(r), int(n - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
