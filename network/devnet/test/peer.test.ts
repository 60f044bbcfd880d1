// The peer side end to end in one process: the unmodified fabric-gateway client against a
// PeerServer (gateway + endorser), real fabric-shim chaincode servers (CCaaS over TLS) for two
// organisations, in-test CAs. Ordering and commit are stubbed by a minimal in-memory committer;
// the real ones are covered by devnet-ledger's tests and the test/ledger conformance suite.
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Gateway,
  GatewayError,
  EndorseError,
  type Signer,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { parseTransaction } from '../src/ledger/transaction';
import {
  BroadcastRefusedError,
  type CommitNotifier,
  type Orderer,
  type TxStatus,
} from '../src/interfaces';
import { MspManager, type SigningIdentity, toHighS } from '../src/msp';
import { evaluateSignedData, SignaturePolicy } from '../src/policies';
import { ChaincodeConnection } from '../src/chaincode/connection';
import { Endorser } from '../src/endorser/endorser';
import { GatewayService, type PeerNode } from '../src/gateway/gateway';
import { defaultChannelResources, PeerServer } from '../src/peer';
import { createCa, identity, issue, mspOf, type TestCa } from './fixtures/pki';
import { MemoryState } from './fixtures/memory-state';
import { startKvChaincodeProcess, type ChaincodeProcess } from './fixtures/kv-chaincode-process';
import { freePort } from './fixtures/free-port';

const CHANNEL = 'ehr';
const CC = 'kv';
const POLICY = "AND('Hospital1MSP.peer','Hospital2MSP.peer')";

/** Commits what the orderer receives into MemoryState, one block per transaction. */
class MiniCommitter implements Orderer, CommitNotifier {
  readonly blocks: common.Block[] = [];
  readonly envelopes: Uint8Array[] = [];
  private readonly statuses = new Map<string, TxStatus>();
  private readonly waiters = new Map<string, ((s: TxStatus) => void)[]>();
  private readonly listeners = new Set<(b: common.Block) => void>();
  refuse?: BroadcastRefusedError;

  constructor(private readonly state: MemoryState) {}

  height(): bigint {
    return BigInt(this.blocks.length);
  }
  async getBlock(n: bigint): Promise<common.Block | undefined> {
    return this.blocks[Number(n)];
  }

  async broadcast(raw: Uint8Array): Promise<void> {
    if (this.refuse) throw this.refuse;
    this.envelopes.push(raw);
    const tx = parseTransaction(raw);
    for (const ns of tx.endorsed?.nsRwSets ?? []) {
      const writes: Record<string, string | null> = {};
      for (const w of ns.rwset.getWritesList()) {
        writes[w.getKey()] = w.getIsDelete() ? null : Buffer.from(w.getValue_asU8()).toString();
      }
      const metadata: Record<string, Record<string, Buffer>> = {};
      for (const mw of ns.rwset.getMetadataWritesList()) {
        const key = mw.getKey();
        metadata[key] = Object.fromEntries(
          mw.getEntriesList().map((e) => [e.getName(), Buffer.from(e.getValue_asU8())]),
        );
        if (!(key in writes)) {
          const current = await this.state.getState(ns.namespace, key);
          writes[key] = current ? current.value.toString() : null;
        }
      }
      this.state.commit(ns.namespace, tx.txId, writes, metadata);
    }
    const block = new common.Block();
    const header = new common.BlockHeader();
    header.setNumber(this.blocks.length);
    block.setHeader(header);
    const data = new common.BlockData();
    data.setDataList([raw]);
    block.setData(data);
    const md = new common.BlockMetadata();
    md.setMetadataList([
      new Uint8Array(),
      new Uint8Array(),
      Uint8Array.from([peer.TxValidationCode.VALID]),
      new Uint8Array(),
      new Uint8Array(),
    ]);
    block.setMetadata(md);
    this.blocks.push(block);
    const status = {
      code: peer.TxValidationCode.VALID,
      blockNumber: BigInt(this.blocks.length - 1),
    };
    this.statuses.set(tx.txId, status);
    for (const w of this.waiters.get(tx.txId) ?? []) w(status);
    this.waiters.delete(tx.txId);
    for (const l of this.listeners) l(block);
  }

  async waitForTransaction(txId: string): Promise<TxStatus> {
    const s = this.statuses.get(txId);
    if (s) return s;
    return new Promise((resolve) =>
      this.waiters.set(txId, [...(this.waiters.get(txId) ?? []), resolve]),
    );
  }

  onBlock(listener: (b: common.Block) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

describe('peer side through the fabric-gateway client', () => {
  let ca1: TestCa, ca2: TestCa, ca3: TestCa;
  let msps: MspManager;
  let state: MemoryState;
  let committer: MiniCommitter;
  let server: PeerServer;
  let port: number;
  const connections: ChaincodeConnection[] = [];
  const shims: ChaincodeProcess[] = [];
  const gateways: Gateway[] = [];
  let client: grpc.Client;
  let user1: { cert: Buffer; key: import('node:crypto').KeyObject };
  let peers: SigningIdentity[];

  async function chaincodeServer(ca: TestCa, port: number) {
    const tls = await issue(ca, { cn: 'chaincode', hosts: ['127.0.0.1', 'localhost'] });
    const s = await startKvChaincodeProcess({
      address: `127.0.0.1:${port}`,
      ccid: 'kv_1.0:abc',
      key: tls.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      cert: tls.pem.toString(),
    });
    return s;
  }

  function gatewayFor(cert: Buffer, mspId: string, signer: Signer): Gateway {
    const g = connect({
      client,
      identity: { mspId, credentials: cert },
      signer,
      hash: hash.sha256,
    });
    gateways.push(g);
    return g;
  }

  beforeAll(async () => {
    [ca1, ca2, ca3] = await Promise.all([
      createCa('hospital1'),
      createCa('hospital2'),
      createCa('stranger'),
    ]);
    msps = new MspManager([mspOf('Hospital1MSP', ca1), mspOf('Hospital2MSP', ca2)]);
    const channel = defaultChannelResources({
      channelId: CHANNEL,
      msps,
      members: ['Hospital1MSP', 'Hospital2MSP'],
      chaincodes: [{ name: CC, version: '1.0', endorsementPolicy: POLICY }],
    });
    state = new MemoryState();
    committer = new MiniCommitter(state);
    peers = [
      await identity(ca1, 'Hospital1MSP', { cn: 'peer0', ous: ['peer'] }),
      await identity(ca2, 'Hospital2MSP', { cn: 'peer0', ous: ['peer'] }),
    ];
    const nodes: PeerNode[] = [];
    for (const [i, ca] of [ca1, ca2].entries()) {
      const ccPort = await freePort();
      shims.push(await chaincodeServer(ca, ccPort));
      const conn = new ChaincodeConnection({
        name: CC,
        address: `127.0.0.1:${ccPort}`,
        tlsRootCert: ca.pem,
      });
      conn.start();
      connections.push(conn);
      const endorser = new Endorser({
        channel,
        ledger: state,
        signer: peers[i]!,
        chaincode: (n) => (n === CC ? conn : undefined),
      });
      nodes.push({
        mspId: peers[i]!.mspId,
        address: `peer0.hospital${i + 1}:7051`,
        endorser,
        identity: msps.deserializeIdentity(peers[i]!.serialized),
      });
    }
    const gateway = new GatewayService({
      channel,
      local: nodes[0]!,
      peers: () => nodes,
      orderer: committer,
      ordererEndpoint: { address: 'orderer0:7050', mspId: 'OrdererMSP' },
      commits: committer,
      ledger: committer,
    });
    const tls = await issue(ca1, { cn: 'peer0', hosts: ['127.0.0.1', 'localhost'] });
    server = new PeerServer({
      address: '127.0.0.1:0',
      tls: {
        cert: tls.pem,
        key: Buffer.from(tls.key.export({ type: 'pkcs8', format: 'pem' }).toString()),
      },
      gateway,
      endorser: nodes[0]!.endorser,
    });
    port = await server.start();
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(ca1.pem));
    user1 = await issue(ca1, {
      cn: 'dr-a',
      ous: ['client'],
      attrs: { role: 'doctor', uid: 'd-1' },
    }).then((r) => ({ cert: r.pem, key: r.key }));
    state.commit(CC, 'seed', { a: '1', b: '2', c: '3', d: '4' });
  });

  afterAll(async () => {
    for (const g of gateways) g.close();
    client?.close();
    for (const c of connections) c.close();
    await server?.stop();
    for (const s of shims) await s.stop();
  });

  const doctor = () =>
    gatewayFor(user1.cert, 'Hospital1MSP', signers.newPrivateKeySigner(user1.key));
  const contract = (g: Gateway) => g.getNetwork(CHANNEL).getContract(CC);

  it('evaluates against committed state, with the caller’s certificate attributes', async () => {
    const c = contract(doctor());
    expect(Buffer.from(await c.evaluateTransaction('get', 'b')).toString()).toBe('2');
    expect(JSON.parse(Buffer.from(await c.evaluateTransaction('whoami')).toString())).toEqual({
      mspId: 'Hospital1MSP',
      role: 'doctor',
      uid: 'd-1',
    });
  });

  it('submits with both organisations’ endorsements, exactly as the policy needs', async () => {
    const c = contract(doctor());
    const result = await c.submitTransaction('put', 'k1', 'v1');
    expect(Buffer.from(result).toString()).toBe('');
    const raw = committer.envelopes.at(-1)!;
    const tx = parseTransaction(raw);
    const action = tx.endorsed!.chaincodeActionPayload.getAction()!;
    const endorsements = action.getEndorsementsList();
    expect(
      endorsements.map((e) => msps.deserializeIdentity(e.getEndorser_asU8()).mspId).sort(),
    ).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    const signed = endorsements.map((e) => ({
      data: Buffer.concat([action.getProposalResponsePayload_asU8(), e.getEndorser_asU8()]),
      identity: e.getEndorser_asU8(),
      signature: e.getSignature_asU8(),
    }));
    expect(evaluateSignedData(SignaturePolicy.parse(POLICY), signed, msps)).toBe(true);
    const writes = tx.endorsed!.nsRwSets[0]!.rwset.getWritesList();
    expect(writes.map((w) => [w.getKey(), Buffer.from(w.getValue_asU8()).toString()])).toEqual([
      ['k1', 'v1'],
    ]);
    expect(Buffer.from(await c.evaluateTransaction('get', 'k1')).toString()).toBe('v1');
  });

  it('submitAsync + getStatus reports the commit', async () => {
    const c = contract(doctor());
    const submitted = await c.submitAsync('increment', { arguments: ['z-counter'] });
    expect(Buffer.from(submitted.getResult()).toString()).toBe('1');
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    expect(status.code).toBe(peer.TxValidationCode.VALID);
    expect(status.transactionId).toBe(submitted.getTransactionId());
  });

  it('records reads with versions and range queries with their raw reads', async () => {
    const c = contract(doctor());
    const proposal = c.newProposal('range', { arguments: ['a', 'c'] });
    const tx = await proposal.endorse();
    expect(JSON.parse(Buffer.from(tx.getResult()).toString())).toEqual(['a=1', 'b=2']);
    await tx.submit();
    const parsed = parseTransaction(committer.envelopes.at(-1)!);
    const rq = parsed.endorsed!.nsRwSets[0]!.rwset.getRangeQueriesInfoList();
    expect(rq).toHaveLength(1);
    expect(rq[0]!.getStartKey()).toBe('a');
    expect(rq[0]!.getEndKey()).toBe('c');
    expect(rq[0]!.getItrExhausted()).toBe(true);
    expect(
      rq[0]!
        .getRawReads()!
        .getKvReadsList()
        .map((r) => r.getKey()),
    ).toEqual(['a', 'b']);
    expect(rq[0]!.getRawReads()!.getKvReadsList()[0]!.getVersion()!.getBlockNum()).toBeGreaterThan(
      0,
    );
  });

  it('serves pagination, composite keys, history and refuses rich queries like LevelDB', async () => {
    const c = contract(doctor());
    const page = JSON.parse(
      Buffer.from(await c.evaluateTransaction('page', 'a', 'e', '2', '')).toString(),
    );
    expect(page).toEqual({ keys: ['a', 'b'], bookmark: 'c', count: 2 });
    const next = JSON.parse(
      Buffer.from(await c.evaluateTransaction('page', 'a', 'e', '2', page.bookmark)).toString(),
    );
    expect(next.keys).toEqual(['c', 'd']);

    await c.submitTransaction('putComposite', 'patient', 'p1', 'r1', 'x');
    await c.submitTransaction('putComposite', 'patient', 'p1', 'r2', 'y');
    await c.submitTransaction('putComposite', 'patient', 'p2', 'r3', 'z');
    expect(
      JSON.parse(Buffer.from(await c.evaluateTransaction('partial', 'patient', 'p1')).toString()),
    ).toEqual(['p1/r1', 'p1/r2']);
    // Plain range queries never see composite keys (the shim starts them at \x01).
    expect(
      JSON.parse(Buffer.from(await c.evaluateTransaction('range', '', '')).toString()),
    ).not.toContain('x');

    await c.submitTransaction('put', 'h', 'one');
    await c.submitTransaction('put', 'h', 'two');
    await c.submitTransaction('del', 'h');
    const history = JSON.parse(Buffer.from(await c.evaluateTransaction('history', 'h')).toString());
    expect(history.map((m: { value: string; isDelete: boolean }) => [m.value, m.isDelete])).toEqual(
      [
        ['', true],
        ['two', false],
        ['one', false],
      ],
    );

    await expect(c.evaluateTransaction('rich', '{"selector":{}}')).rejects.toThrow(
      /ExecuteQuery not supported for leveldb/,
    );
  });

  it('writes and reads state metadata (key-level endorsement parameters)', async () => {
    const c = contract(doctor());
    await c.submitTransaction('put', 'guarded', 'v');
    await c.submitTransaction('setPolicy', 'guarded', 'policy-bytes');
    const parsed = parseTransaction(committer.envelopes.at(-1)!);
    const mw = parsed.endorsed!.nsRwSets[0]!.rwset.getMetadataWritesList();
    expect(mw.map((m) => [m.getKey(), m.getEntriesList().map((e) => e.getName())])).toEqual([
      ['guarded', ['VALIDATION_PARAMETER']],
    ]);
    expect(Buffer.from(await c.evaluateTransaction('getPolicy', 'guarded')).toString()).toBe(
      'policy-bytes',
    );
  });

  it('reports a chaincode error as Fabric does, with a detail per endorser', async () => {
    const c = contract(doctor());
    const err = await c
      .submitTransaction('fail', 'ACCESS_DENIED: no consent')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EndorseError);
    const e = err as EndorseError;
    expect(e.code).toBe(grpc.status.ABORTED);
    expect(e.message).toBe(
      '10 ABORTED: failed to endorse transaction, see attached details for more info',
    );
    expect(e.details).toEqual([
      {
        address: 'peer0.hospital1:7051',
        mspId: 'Hospital1MSP',
        message: 'chaincode response 500, ACCESS_DENIED: no consent',
      },
    ]);
    const ev = await c.evaluateTransaction('fail', 'nope').catch((x: unknown) => x);
    expect(ev).toBeInstanceOf(GatewayError);
    expect((ev as GatewayError).code).toBe(grpc.status.UNKNOWN);
    expect((ev as GatewayError).message).toContain('chaincode response 500, nope');
  });

  it('refuses a forged signature, an unknown MSP, a foreign and an expired certificate', async () => {
    const forged: Signer = async (digest) =>
      toHighS(await signers.newPrivateKeySigner(user1.key)(digest));
    const e1 = (await contract(gatewayFor(user1.cert, 'Hospital1MSP', forged))
      .evaluateTransaction('get', 'a')
      .catch((x: unknown) => x)) as GatewayError;
    expect(e1.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(e1.details[0]!.message).toBe(
      'error validating proposal: access denied: channel [ehr] creator org [Hospital1MSP]',
    );

    const stranger = await issue(ca3, { cn: 's', ous: ['client'] });
    const e2 = (await contract(
      gatewayFor(stranger.pem, 'StrangerMSP', signers.newPrivateKeySigner(stranger.key)),
    )
      .evaluateTransaction('get', 'a')
      .catch((x: unknown) => x)) as GatewayError;
    expect(e2.details[0]!.message).toBe(
      'error validating proposal: access denied: channel [ehr] creator org unknown, creator is malformed',
    );

    const foreign = await issue(ca2, { cn: 'f', ous: ['client'] });
    const e3 = (await contract(
      gatewayFor(foreign.pem, 'Hospital1MSP', signers.newPrivateKeySigner(foreign.key)),
    )
      .submitTransaction('put', 'x', 'y')
      .catch((x: unknown) => x)) as EndorseError;
    expect(e3.code).toBe(grpc.status.ABORTED);
    // Fabric 3.1.5: the MSP cannot deserialize a certificate that does not chain to its CA.
    expect(e3.details[0]!.message).toBe(
      'error validating proposal: access denied: channel [ehr] creator org unknown, creator is malformed',
    );

    const expired = await issue(ca1, {
      cn: 'old',
      ous: ['client'],
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const e4 = (await contract(
      gatewayFor(expired.pem, 'Hospital1MSP', signers.newPrivateKeySigner(expired.key)),
    )
      .evaluateTransaction('get', 'a')
      .catch((x: unknown) => x)) as GatewayError;
    expect(e4.code).toBe(grpc.status.UNAVAILABLE);
    expect(e4.details[0]!.message).toBe('proposal client identity expired');
  });

  it('refuses a transaction id that is already on the ledger', async () => {
    const c = contract(doctor());
    const proposal = c.newProposal('put', { arguments: ['dup', '1'] });
    const tx = await proposal.endorse();
    await (await tx.submit()).getStatus();
    const again = await proposal.endorse().catch((x: unknown) => x);
    expect(again).toBeInstanceOf(EndorseError);
    expect((again as EndorseError).details[0]!.message).toMatch(
      /^error validating proposal: |^duplicate transaction found/,
    );
    expect((again as EndorseError).details[0]!.message).toContain(
      `duplicate transaction found [${proposal.getTransactionId()}]`,
    );
  });

  it('reports an orderer refusal as Fabric’s gateway does', async () => {
    committer.refuse = new BroadcastRefusedError(
      common.Status.FORBIDDEN,
      'broadcast client identity expired',
    );
    try {
      const err = await contract(doctor())
        .submitTransaction('put', 'o', '1')
        .catch((x: unknown) => x);
      expect((err as GatewayError).code).toBe(grpc.status.ABORTED);
      expect((err as GatewayError).message).toContain(
        'received unsuccessful response from orderer: status=FORBIDDEN, info=broadcast client identity expired',
      );
    } finally {
      committer.refuse = undefined;
    }
  });

  it('streams chaincode events of committed transactions from a checkpoint', async () => {
    const g = doctor();
    const c = contract(g);
    const start = committer.height();
    await c.submitTransaction('event', 'RecordAdded', 'first');
    await c.submitTransaction('event', 'RecordAdded', 'second');
    const events = await g.getNetwork(CHANNEL).getChaincodeEvents(CC, { startBlock: start });
    const seen: string[] = [];
    try {
      for await (const e of events) {
        seen.push(`${e.eventName}:${Buffer.from(e.payload).toString()}`);
        if (seen.length === 2) break;
      }
    } finally {
      events.close();
    }
    expect(seen).toEqual(['RecordAdded:first', 'RecordAdded:second']);
  });

  // Hospital2's chaincode server is down: its peer fails after the connect timeout (10 s, as a
  // Fabric peer's CCaaS dial timeout), and the gateway reports what it could not collect.
  it('reports a peer the policy needs that cannot endorse as Fabric 3.1.5 does', async () => {
    const conn = connections[1]!;
    const connects = conn.connects;
    const ccPort = Number(
      (conn as unknown as { config: { address: string } }).config.address.split(':')[1],
    );
    await shims[1]!.stop();
    try {
      const err = await contract(doctor())
        .submitTransaction('put', 'while-down', '1')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EndorseError);
      expect((err as EndorseError).code).toBe(grpc.status.ABORTED);
      expect((err as EndorseError).message).toBe(
        '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info',
      );
      expect((err as EndorseError).details).toEqual([
        expect.objectContaining({ address: 'peer0.hospital2:7051', mspId: 'Hospital2MSP' }),
      ]);
    } finally {
      shims[1] = await chaincodeServer(ca2, ccPort);
      while (conn.connects === connects) await new Promise((r) => setTimeout(r, 50));
    }
  }, 30_000);

  it('reconnects when the chaincode server restarts', async () => {
    const conn = connections[1]!;
    const before = conn.connects;
    const ccPort = Number(
      (conn as unknown as { config: { address: string } }).config.address.split(':')[1],
    );
    await shims[1]!.stop();
    shims[1] = await chaincodeServer(ca2, ccPort);
    const c = contract(doctor());
    await c.submitTransaction('put', 'after-restart', '1');
    expect(conn.connects).toBeGreaterThan(before);
  });
});
