// Reads blocks from a peer over Fabric's Deliver service (protos.Deliver/Deliver), the way a
// Fabric client does: a signed envelope of type DELIVER_SEEK_INFO carrying a SeekInfo, answered
// by a stream of blocks closed by a status. Any member identity allowed by the channel's
// Readers policy may read. Works the same against devnet and a real Fabric peer.
import { createHash, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { common, msp, orderer, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';

/** Where blocks come from: a peer in production, an in-memory list in unit tests. */
export interface BlockSource {
  /** The newest committed block. */
  newest(): Promise<common.Block>;
  /** Blocks start..end inclusive, in order; fails if any of them is not committed. */
  blocks(start: bigint, end: bigint): AsyncIterable<common.Block>;
  close(): void;
}

export interface FabricIdentity {
  mspId: string;
  /** PEM of the identity's certificate. */
  certificate: string;
  /** Signs SHA-256(message) with the identity's key; a DER, low-S ECDSA signature. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface PeerEndpoint {
  /** host:port */
  address: string;
  /** PEM of the TLS CA the peer's TLS certificate chains to. */
  tlsCa: string | Buffer;
  /** Client TLS certificate and key, for peers that require mutual TLS. */
  clientTls?: { certificate: string | Buffer; key: string | Buffer };
  /** Name the peer's TLS certificate is checked against, when not the host of `address`. */
  serverName?: string;
}

/** A Deliver status other than SUCCESS (e.g. FORBIDDEN, NOT_FOUND) or a broken stream. */
export class DeliverError extends Error {
  override name = 'DeliverError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const STATUS_NAMES = Object.fromEntries(Object.entries(common.Status).map(([k, v]) => [v, k]));

function seekPosition(at: bigint | 'newest'): orderer.SeekPosition {
  const position = new orderer.SeekPosition();
  if (at === 'newest') position.setNewest(new orderer.SeekNewest());
  else {
    const specified = new orderer.SeekSpecified();
    specified.setNumber(Number(at));
    position.setSpecified(specified);
  }
  return position;
}

const DELIVER_METHOD = '/protos.Deliver/Deliver';

export class PeerBlockSource implements BlockSource {
  // A plain client with its own (de)serializers rather than the generated DeliverClient, whose
  // `instanceof` check fails when a process holds two copies of fabric-protos (fabric-shim
  // bundles its own), as fabric-gateway does too.
  private readonly client: grpc.Client;
  private readonly tlsCertHash: Uint8Array | undefined;

  constructor(
    endpoint: PeerEndpoint,
    readonly channel: string,
    private readonly identity: FabricIdentity,
  ) {
    const credentials = grpc.credentials.createSsl(
      Buffer.from(endpoint.tlsCa),
      endpoint.clientTls ? Buffer.from(endpoint.clientTls.key) : null,
      endpoint.clientTls ? Buffer.from(endpoint.clientTls.certificate) : null,
    );
    const options: grpc.ClientOptions = { 'grpc.max_receive_message_length': 100 * 1024 * 1024 };
    if (endpoint.serverName) options['grpc.ssl_target_name_override'] = endpoint.serverName;
    this.client = new grpc.Client(endpoint.address, credentials, options);
    // With mutual TLS, Fabric binds the request to the TLS session by the client certificate's hash.
    this.tlsCertHash = endpoint.clientTls
      ? tlsCertificateHash(endpoint.clientTls.certificate)
      : undefined;
  }

  /** The signed DELIVER_SEEK_INFO envelope for start..stop. */
  async seekEnvelope(start: bigint | 'newest', stop: bigint | 'newest'): Promise<common.Envelope> {
    const seek = new orderer.SeekInfo();
    seek.setStart(seekPosition(start));
    seek.setStop(seekPosition(stop));
    seek.setBehavior(orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY);

    const creator = new msp.SerializedIdentity();
    creator.setMspid(this.identity.mspId);
    creator.setIdBytes(Buffer.from(this.identity.certificate));
    const nonce = randomBytes(24);
    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(creator.serializeBinary());
    signatureHeader.setNonce(nonce);

    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.DELIVER_SEEK_INFO);
    channelHeader.setChannelId(this.channel);
    const now = Date.now();
    const timestamp = new Timestamp();
    timestamp.setSeconds(Math.floor(now / 1000));
    timestamp.setNanos((now % 1000) * 1e6);
    channelHeader.setTimestamp(timestamp);
    channelHeader.setTxId(
      createHash('sha256').update(nonce).update(signatureHeader.getCreator_asU8()).digest('hex'),
    );
    if (this.tlsCertHash) channelHeader.setTlsCertHash(this.tlsCertHash);

    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(seek.serializeBinary());
    const payloadBytes = payload.serializeBinary();

    const envelope = new common.Envelope();
    envelope.setPayload(payloadBytes);
    envelope.setSignature(await this.identity.sign(payloadBytes));
    return envelope;
  }

  /** Streams the blocks of one seek request until the closing SUCCESS status. */
  private async *deliver(
    start: bigint | 'newest',
    stop: bigint | 'newest',
    deadlineMs?: number,
  ): AsyncGenerator<common.Block> {
    const envelope = await this.seekEnvelope(start, stop);
    const call = this.client.makeBidiStreamRequest(
      DELIVER_METHOD,
      (e: common.Envelope) => Buffer.from(e.serializeBinary()),
      (bytes: Buffer) => peer.DeliverResponse.deserializeBinary(bytes),
      new grpc.Metadata(),
      deadlineMs ? { deadline: Date.now() + deadlineMs } : {},
    );
    // The request side stays open until the answer is complete, as Fabric's own clients do
    // (a server may take a half-closed stream for a cancelled one); finally cancels it.
    call.write(envelope);
    let finished = false;
    try {
      for await (const response of call as AsyncIterable<peer.DeliverResponse>) {
        if (response.hasBlock()) {
          yield response.getBlock() as common.Block;
        } else if (response.getTypeCase() === peer.DeliverResponse.TypeCase.STATUS) {
          const status = response.getStatus();
          if (status !== common.Status.SUCCESS) {
            throw new DeliverError(
              `peer answered Deliver with ${STATUS_NAMES[status] ?? status}`,
              status,
            );
          }
          finished = true;
          return;
        }
      }
      if (!finished) throw new DeliverError('the Deliver stream closed without a status');
    } catch (e) {
      if (e instanceof DeliverError) throw e;
      throw new DeliverError(`Deliver failed: ${(e as Error).message}`);
    } finally {
      call.cancel();
    }
  }

  async newest(): Promise<common.Block> {
    for await (const block of this.deliver('newest', 'newest', 30_000)) return block;
    throw new DeliverError('the peer sent no block for the newest position');
  }

  async *blocks(start: bigint, end: bigint): AsyncGenerator<common.Block> {
    let expected = start;
    for await (const block of this.deliver(start, end)) {
      const number = BigInt(block.getHeader()?.getNumber() ?? -1);
      if (number !== expected)
        throw new DeliverError(`the peer sent block ${number} where ${expected} was due`);
      expected++;
      yield block;
    }
    if (expected !== end + 1n)
      throw new DeliverError(`the peer stopped at block ${expected - 1n} before ${end}`);
  }

  close(): void {
    this.client.close();
  }
}

/** SHA-256 of the DER of a PEM certificate (Fabric's TLS binding). */
function tlsCertificateHash(pem: string | Buffer): Uint8Array {
  const text = Buffer.from(pem).toString('utf8');
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text)?.[1];
  if (!b64) throw new Error('client TLS certificate is not PEM');
  return createHash('sha256')
    .update(Buffer.from(b64.replace(/\s+/g, ''), 'base64'))
    .digest();
}
