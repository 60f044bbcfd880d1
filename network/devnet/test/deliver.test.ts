import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { common, orderer, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { DevnetChannel } from '../src/channel';
import { genesisBlock } from '../src/channelconfig/genesis';
import { deliverHandlers } from '../src/deliver/deliver';
import type { SigningIdentity } from '../src/msp';
import { createCa, identity, mspConfig } from './fixtures/pki';
import { buildTransaction } from '../src/testing/transactions';

const Code = peer.TxValidationCode;
let dir: string;
let ch: DevnetChannel;
let server: grpc.Server;
let client: peer.DeliverClient;
let reader: SigningIdentity;
let stranger: SigningIdentity;
let endorsers: SigningIdentity[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devnet-deliver-'));
  const h1 = await createCa('Hospital1');
  const h2 = await createCa('Hospital2');
  const ord = await createCa('Orderer');
  const other = await createCa('Other');
  reader = await identity(h1, 'Hospital1MSP', { cn: 'doctor', ous: ['client'] });
  stranger = await identity(other, 'Hospital1MSP', { cn: 'stranger', ous: ['client'] });
  endorsers = [
    await identity(h1, 'Hospital1MSP', { cn: 'peer0', ous: ['peer'] }),
    await identity(h2, 'Hospital2MSP', { cn: 'peer0', ous: ['peer'] }),
  ];
  ch = await DevnetChannel.open({
    dir,
    signer: await identity(ord, 'OrdererMSP', { cn: 'orderer0', ous: ['orderer'] }),
    chaincodes: [
      {
        name: 'ehr',
        version: '1.0',
        endorsementPolicy: "AND('Hospital1MSP.peer','Hospital2MSP.peer')",
      },
    ],
    batch: { batchTimeoutMs: 10 },
    genesis: () =>
      genesisBlock({
        channel: 'ehr',
        ordererOrg: {
          name: 'Orderer',
          mspId: 'OrdererMSP',
          msp: mspConfig('OrdererMSP', ord),
          host: '127.0.0.1',
          port: 7050,
          tlsCert: ord.pem,
        },
        applicationOrgs: [
          { name: 'Hospital1', mspId: 'Hospital1MSP', msp: mspConfig('Hospital1MSP', h1) },
          { name: 'Hospital2', mspId: 'Hospital2MSP', msp: mspConfig('Hospital2MSP', h2) },
        ],
        batch: {
          maxMessageCount: 10,
          absoluteMaxBytes: 1 << 20,
          preferredMaxBytes: 1 << 19,
          batchTimeoutMs: 10,
        },
        batchTimeout: '10ms',
      }),
  });
  server = new grpc.Server();
  server.addService(
    peer.DeliverService,
    deliverHandlers({
      channelId: 'ehr',
      ledger: ch.ledger,
      notifier: ch.committer,
      config: () => ch.config,
    }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  client = new peer.DeliverClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const t = buildTransaction({
    channel: 'ehr',
    chaincode: 'ehr',
    creator: reader,
    endorsers,
    rw: { writes: [{ key: 'a', value: '1' }] },
  });
  await ch.orderer.broadcast(t.envelope);
  await ch.committer.waitForTransaction(t.txId);
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await ch?.close();
  rmSync(dir, { recursive: true, force: true });
});

function position(p: 'oldest' | 'newest' | bigint): orderer.SeekPosition {
  const sp = new orderer.SeekPosition();
  if (p === 'oldest') sp.setOldest(new orderer.SeekOldest());
  else if (p === 'newest') sp.setNewest(new orderer.SeekNewest());
  else {
    const s = new orderer.SeekSpecified();
    s.setNumber(Number(p));
    sp.setSpecified(s);
  }
  return sp;
}

function seekEnvelope(
  signer: SigningIdentity,
  start: orderer.SeekPosition,
  stop: orderer.SeekPosition,
  failIfNotReady = false,
): common.Envelope {
  const seek = new orderer.SeekInfo();
  seek.setStart(start);
  seek.setStop(stop);
  seek.setBehavior(
    failIfNotReady
      ? orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY
      : orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY,
  );
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(Date.now() / 1000));
  const chh = new common.ChannelHeader();
  chh.setType(common.HeaderType.DELIVER_SEEK_INFO);
  chh.setChannelId('ehr');
  chh.setTimestamp(ts);
  const sh = new common.SignatureHeader();
  sh.setCreator(signer.serialized);
  sh.setNonce(Buffer.from('nonce-nonce'));
  const header = new common.Header();
  header.setChannelHeader(chh.serializeBinary());
  header.setSignatureHeader(sh.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(seek.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(signer.sign(payload.serializeBinary()));
  return env;
}

/** Sends one request and collects responses up to the status. */
function request(
  stream: 'deliver' | 'deliverFiltered',
  env: common.Envelope,
  onBlock?: () => void,
) {
  return new Promise<{ blocks: peer.DeliverResponse[]; status: number }>((resolve, reject) => {
    const call = client[stream]();
    const blocks: peer.DeliverResponse[] = [];
    call.on('data', (r: peer.DeliverResponse) => {
      if (r.getTypeCase() === peer.DeliverResponse.TypeCase.STATUS) {
        call.end();
        resolve({ blocks, status: r.getStatus() });
      } else {
        blocks.push(r);
        onBlock?.();
      }
    });
    call.on('error', reject);
    call.write(env);
  });
}

describe('Deliver', () => {
  it('sends blocks from oldest to newest, then SUCCESS', async () => {
    const { blocks, status } = await request(
      'deliver',
      seekEnvelope(reader, position('oldest'), position('newest')),
    );
    expect(status).toBe(common.Status.SUCCESS);
    expect(blocks.map((b) => b.getBlock()!.getHeader()!.getNumber())).toEqual([0, 1]);
  });

  it('refuses a signer outside the channel Readers with FORBIDDEN', async () => {
    const { blocks, status } = await request(
      'deliver',
      seekEnvelope(stranger, position('oldest'), position('newest')),
    );
    expect(status).toBe(common.Status.FORBIDDEN);
    expect(blocks).toHaveLength(0);
  });

  it('answers NOT_FOUND for a future block with FAIL_IF_NOT_READY, and BAD_REQUEST for stop before start', async () => {
    expect(
      (await request('deliver', seekEnvelope(reader, position(50n), position(50n), true))).status,
    ).toBe(common.Status.NOT_FOUND);
    expect(
      (await request('deliver', seekEnvelope(reader, position(1n), position(0n)))).status,
    ).toBe(common.Status.BAD_REQUEST);
  });

  it('waits for a future block and sends it filtered, with transaction id and code', async () => {
    const next = ch.ledger.height();
    const t = buildTransaction({
      channel: 'ehr',
      chaincode: 'ehr',
      creator: reader,
      endorsers,
      rw: { writes: [{ key: 'b', value: '2' }] },
    });
    const pending = request(
      'deliverFiltered',
      seekEnvelope(reader, position(next), position(next)),
    );
    await new Promise((r) => setTimeout(r, 50));
    await ch.orderer.broadcast(t.envelope);
    const { blocks, status } = await pending;
    expect(status).toBe(common.Status.SUCCESS);
    const fb = blocks[0].getFilteredBlock()!;
    expect(BigInt(fb.getNumber())).toBe(next);
    expect(
      fb.getFilteredTransactionsList().map((f) => [f.getTxid(), f.getTxValidationCode()]),
    ).toEqual([[t.txId, Code.VALID]]);
  });
});
