// A minimal client of devnet's orderer and peer protocols (orderer.AtomicBroadcast/Broadcast,
// protos.Deliver/DeliverFiltered) for the crash test and the ledger benchmark, which drive the
// ordering and commit path without the gateway.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { common, orderer, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { randomBytes } from 'node:crypto';
import type { SigningIdentity } from '../msp';

/** AtomicBroadcast whose Broadcast sends envelope bytes exactly as given (malformed ones too). */
const RawBroadcastClient = grpc.makeGenericClientConstructor(
  {
    broadcast: {
      ...orderer.AtomicBroadcastService.broadcast,
      requestSerialize: (b: Uint8Array) => Buffer.from(b),
    },
  } as unknown as grpc.ServiceDefinition,
  'AtomicBroadcast',
);

/**
 * protos.Deliver whose requests are serialized by the message itself: the generated client's
 * `instanceof common.Envelope` check fails when protobuf classes were loaded twice (jest loads
 * them once per module registry), although the bytes are the same.
 */
const DeliverClient = grpc.makeGenericClientConstructor(
  Object.fromEntries(
    Object.entries(peer.DeliverService).map(([name, def]) => [
      name,
      {
        ...def,
        requestSerialize: (m: { serializeBinary(): Uint8Array }) =>
          Buffer.from(m.serializeBinary()),
      },
    ]),
  ) as unknown as grpc.ServiceDefinition,
  'Deliver',
);

type DeliverStream = grpc.ClientDuplexStream<common.Envelope, peer.DeliverResponse>;

function deliverClient(address: string, tlsRootFile: string) {
  const client = new DeliverClient(address, grpc.credentials.createSsl(readFileSync(tlsRootFile)));
  return client as unknown as grpc.Client & {
    deliver(): DeliverStream;
    deliverFiltered(): DeliverStream;
  };
}

export class BroadcastClient {
  private readonly client: grpc.Client;
  private readonly stream: grpc.ClientDuplexStream<Uint8Array, orderer.BroadcastResponse>;
  private readonly pending: {
    resolve: (r: orderer.BroadcastResponse) => void;
    reject: (e: Error) => void;
  }[] = [];

  constructor(address: string, tlsRootFile: string) {
    this.client = new RawBroadcastClient(
      address,
      grpc.credentials.createSsl(readFileSync(tlsRootFile)),
    );
    this.stream = (
      this.client as unknown as {
        broadcast(): grpc.ClientDuplexStream<Uint8Array, orderer.BroadcastResponse>;
      }
    ).broadcast();
    this.stream.on('data', (r: orderer.BroadcastResponse) => this.pending.shift()?.resolve(r));
    this.stream.on('error', (e: Error) => {
      for (const p of this.pending.splice(0)) p.reject(e);
    });
  }

  /** Sends one envelope; resolves with the orderer's response (in order). */
  send(envelope: Uint8Array): Promise<orderer.BroadcastResponse> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.stream.write(envelope);
    });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }
}

export function seekEnvelope(
  signer: SigningIdentity,
  channel: string,
  start: bigint | 'newest',
  stop: bigint | 'max',
): common.Envelope {
  const pos = (n: bigint | 'newest') => {
    const p = new orderer.SeekPosition();
    if (n === 'newest') p.setNewest(new orderer.SeekNewest());
    else {
      const s = new orderer.SeekSpecified();
      s.setNumber(Number(n));
      p.setSpecified(s);
    }
    return p;
  };
  const seek = new orderer.SeekInfo();
  seek.setStart(pos(start));
  seek.setStop(pos(stop === 'max' ? BigInt(Number.MAX_SAFE_INTEGER) : stop));
  seek.setBehavior(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(Date.now() / 1000));
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.DELIVER_SEEK_INFO);
  ch.setChannelId(channel);
  ch.setTimestamp(ts);
  const sh = new common.SignatureHeader();
  sh.setCreator(signer.serialized);
  sh.setNonce(randomBytes(24));
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(sh.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(seek.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(signer.sign(payload.serializeBinary()));
  return env;
}

/** Follows committed blocks from `start` through DeliverFiltered; calls back per transaction. */
export function watchCommits(
  address: string,
  tlsRootFile: string,
  signer: SigningIdentity,
  channel: string,
  start: bigint,
  onTx: (txId: string, code: number, blockNumber: bigint) => void,
): { close(): void; done: Promise<void> } {
  const client = deliverClient(address, tlsRootFile);
  const call = client.deliverFiltered();
  const done = new Promise<void>((resolve) => {
    call.on('data', (r: peer.DeliverResponse) => {
      const fb = r.getFilteredBlock();
      if (!fb) return;
      for (const ft of fb.getFilteredTransactionsList())
        onTx(ft.getTxid(), ft.getTxValidationCode(), BigInt(fb.getNumber()));
    });
    call.on('error', () => resolve());
    call.on('end', () => resolve());
  });
  call.write(seekEnvelope(signer, channel, start, 'max'));
  return {
    close() {
      call.cancel();
      client.close();
    },
    done,
  };
}

/** Fetches blocks [from, to] through Deliver. */
export function fetchBlocks(
  address: string,
  tlsRootFile: string,
  signer: SigningIdentity,
  channel: string,
  from: bigint,
  to: bigint,
): Promise<common.Block[]> {
  const client = deliverClient(address, tlsRootFile);
  const call = client.deliver();
  const blocks: common.Block[] = [];
  return new Promise((resolve, reject) => {
    call.on('data', (r: peer.DeliverResponse) => {
      const b = r.getBlock();
      if (b) blocks.push(b);
      else {
        call.end();
        client.close();
        if (r.getStatus() === common.Status.SUCCESS) resolve(blocks);
        else reject(new Error(`deliver status ${r.getStatus()}`));
      }
    });
    call.on('error', reject);
    call.write(seekEnvelope(signer, channel, from, to));
  });
}
