// The devnet process's wiring: block 0 from the MSP folders, the orderer's Broadcast over TLS,
// a peer's Deliver over TLS, and the operations endpoint.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import * as grpc from '@grpc/grpc-js';
import { common, gateway, orderer as ordererProto, peer } from '@hyperledger/fabric-protos';
import { orgPaths, verifyBlockLink, type Network } from '@ehr/network';
import { startDevnet, type RunningDevnet } from '../src/main';
import { createPeerSide, type PeerSide } from '../src/peer';
import { readMspFolder, SigningIdentity } from '../src/msp';
import { applicationOrgGroup } from '../src/channelconfig/genesis';
import {
  addApplicationOrgUpdate,
  configUpdateEnvelope,
  signConfigUpdate,
} from '../src/channelconfig/update';
import { writeDevPki } from '../src/testing/dev-pki';
import { networkOnFreePorts } from '../src/testing/private-devnet';
import {
  BroadcastClient,
  fetchBlocks,
  seekEnvelope,
  watchCommits,
} from '../src/testing/ledger-client';
import { buildTransaction } from '../src/testing/transactions';

let net: Network;
let devnet: RunningDevnet;
let peerSide: PeerSide;
let dataDir: string;

const id = (paths: { signCert: string; privateKey: string }, mspId: string) =>
  SigningIdentity.fromFiles(mspId, paths.signCert, paths.privateKey);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'devnet-main-'));
  // Ports of its own: the integration stack may run with the same EHR_PORT_OFFSET.
  ({ net } = await networkOnFreePorts(dataDir, Number(process.env.EHR_PORT_OFFSET ?? 0) + 1500));
  await writeDevPki(net);
  // The peer side as main() wires it (Gateway and Endorser on each peer endpoint).
  peerSide = createPeerSide(net);
  devnet = await startDevnet(net, {
    log: pino({ level: 'silent' }),
    peerServices: [peerSide.addServices],
  });
});

afterAll(async () => {
  await devnet?.stop();
  peerSide?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('orders a broadcast transaction, reports it VALID over DeliverFiltered and serves the chain', async () => {
  const [h1, h2] = net.hospitals;
  const client = id(orgPaths(net, h1).gatewayService!, h1.mspId);
  const endorsers = [id(orgPaths(net, h1).peer!, h1.mspId), id(orgPaths(net, h2).peer!, h2.mspId)];
  const peerAddress = `127.0.0.1:${h1.peer.port}`;
  const tlsRoot = orgPaths(net, h1).peer!.tlsCa;

  const health = await fetch(`http://127.0.0.1:${net.devnet.operationsPort}/healthz`);
  expect(health.status).toBe(200);

  const seen = new Map<string, number>();
  const watcher = watchCommits(peerAddress, tlsRoot, client, net.channel, 1n, (txId, code) =>
    seen.set(txId, code),
  );
  const broadcaster = new BroadcastClient(
    `127.0.0.1:${net.ordererOrg.orderer!.port}`,
    orgPaths(net, net.ordererOrg).orderer!.tlsCa,
  );
  const t = buildTransaction({
    channel: net.channel,
    chaincode: net.chaincode.name,
    creator: client,
    endorsers,
    rw: { writes: [{ key: 'k', value: 'v' }] },
  });
  expect((await broadcaster.send(t.envelope)).getStatus()).toBe(common.Status.SUCCESS);
  const refused = await broadcaster.send(Buffer.concat([t.envelope, Buffer.from([0x18, 1])]));
  expect(refused.getStatus()).toBe(common.Status.BAD_REQUEST);
  while (!seen.has(t.txId)) await new Promise((r) => setTimeout(r, 20));
  expect(seen.get(t.txId)).toBe(peer.TxValidationCode.VALID);
  broadcaster.close();
  watcher.close();

  const blocks = await fetchBlocks(
    peerAddress,
    tlsRoot,
    client,
    net.channel,
    0n,
    devnet.channel.ledger.height() - 1n,
  );
  let prev: Buffer | undefined;
  for (const b of blocks) prev = verifyBlockLink(b, prev);
  const status = (await (
    await fetch(`http://127.0.0.1:${net.devnet.operationsPort}/status`)
  ).json()) as Record<string, unknown>;
  expect(status).toMatchObject({
    channel: net.channel,
    height: '2',
    transactionsByCode: { VALID: 2 },
  });
});

it("serves a candidate hospital's peer endpoint once a majority of admins added it to the channel", async () => {
  const [h1, h2] = net.hospitals;
  const h3 = net.candidateHospitals[0];
  const admin1 = id(orgPaths(net, h1).admin, h1.mspId);
  const admin2 = id(orgPaths(net, h2).admin, h2.mspId);
  const group = applicationOrgGroup({
    name: h3.name,
    mspId: h3.mspId,
    msp: readMspFolder(orgPaths(net, h3).msp, h3.mspId),
  });
  const update = addApplicationOrgUpdate(devnet.channel.config, h3.name, group).serializeBinary();
  const env = configUpdateEnvelope(
    net.channel,
    update,
    [signConfigUpdate(update, admin1), signConfigUpdate(update, admin2)],
    admin1,
  );
  const broadcaster = new BroadcastClient(
    `127.0.0.1:${net.ordererOrg.orderer!.port}`,
    orgPaths(net, net.ordererOrg).orderer!.tlsCa,
  );
  expect((await broadcaster.send(env.serializeBinary())).getStatus()).toBe(common.Status.SUCCESS);
  broadcaster.close();
  while (!devnet.peers.some((p) => p.hospital.mspId === h3.mspId))
    await new Promise((r) => setTimeout(r, 20));
  const client3 = id(orgPaths(net, h3).gatewayService!, h3.mspId);
  const tip = devnet.channel.ledger.height() - 1n;
  const blocks = await fetchBlocks(
    `127.0.0.1:${h3.peer.port}`,
    orgPaths(net, h3).peer!.tlsCa,
    client3,
    net.channel,
    tip,
    tip,
  );
  expect(blocks[0].getHeader()!.getNumber()).toBe(Number(devnet.channel.ledger.stats().lastConfig));
});

it("serves blocks to channel readers on the orderer's Deliver too", async () => {
  const h1 = net.hospitals[0];
  const reader = id(orgPaths(net, h1).gatewayService!, h1.mspId);
  const client = new ordererProto.AtomicBroadcastClient(
    `127.0.0.1:${net.ordererOrg.orderer!.port}`,
    grpc.credentials.createSsl(readFileSync(orgPaths(net, net.ordererOrg).orderer!.tlsCa)),
  );
  const call = client.deliver();
  const got: { blocks: number[]; status?: number } = { blocks: [] };
  await new Promise<void>((resolve, reject) => {
    call.on('data', (r: ordererProto.DeliverResponse) => {
      const block = r.getBlock();
      if (block) got.blocks.push(block.getHeader()!.getNumber());
      else {
        got.status = r.getStatus();
        call.end();
        resolve();
      }
    });
    call.on('error', reject);
    call.write(seekEnvelope(reader, net.channel, 0n, 0n));
  });
  client.close();
  expect(got).toEqual({ blocks: [0], status: common.Status.SUCCESS });
});

it("hands the orderer the client's exact envelope through the gateway's Submit: unknown fields or a repeated field are refused, not re-marshalled away", async () => {
  const [h1, h2] = net.hospitals;
  const creator = id(orgPaths(net, h1).gatewayService!, h1.mspId);
  const endorsers = [id(orgPaths(net, h1).peer!, h1.mspId), id(orgPaths(net, h2).peer!, h2.mspId)];
  const t = buildTransaction({
    channel: net.channel,
    chaincode: net.chaincode.name,
    creator,
    endorsers,
    rw: { writes: [{ key: 'exact', value: 'bytes' }] },
  });
  const client = new grpc.Client(
    `127.0.0.1:${h1.peer.port}`,
    grpc.credentials.createSsl(readFileSync(orgPaths(net, h1).peer!.tlsCa)),
  );
  // devnet refuses what does not re-marshal to itself. Real Fabric 3.1.5 (Raft) is more lenient:
  // measured through its Gateway, an appended unknown field is kept by Go and ordered VALID, and
  // a repeated signature field takes the last value (then FORBIDDEN); see the README's table.
  // SubmitRequest { transaction_id = 1, channel_id = 2, prepared_transaction = 3 } written by
  // hand, so that the envelope's bytes are exactly these (a protobuf library would drop or
  // re-order what it does not know).
  const submit = (envelope: Buffer) => {
    const head = new gateway.SubmitRequest();
    head.setTransactionId(t.txId);
    head.setChannelId(net.channel);
    const request = Buffer.concat([
      Buffer.from(head.serializeBinary()),
      Buffer.from([0x1a]),
      varint(envelope.length),
      envelope,
    ]);
    return new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(
        '/gateway.Gateway/Submit',
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  };
  const unknownField = Buffer.concat([t.envelope, Buffer.from([0x78, 0x01])]); // field 15 = 1
  const repeatedSignature = Buffer.concat([t.envelope, Buffer.from([0x12, 0x01, 0x00])]);
  for (const tampered of [unknownField, repeatedSignature]) {
    await expect(submit(tampered)).rejects.toMatchObject({
      code: grpc.status.ABORTED,
      details: expect.stringContaining(
        'received unsuccessful response from orderer: status=BAD_REQUEST',
      ),
    });
  }
  await submit(t.envelope);
  const status = await devnet.channel.committer.waitForTransaction(t.txId);
  expect(status.code).toBe(peer.TxValidationCode.VALID);
  const block = await devnet.channel.ledger.getBlock(status.blockNumber);
  expect(
    block!
      .getData()!
      .getDataList_asU8()
      .map((d) => Buffer.from(d)),
  ).toContainEqual(t.envelope);
  client.close();
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
