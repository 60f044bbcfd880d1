// devnet's ordering service (one orderer, orderer0 of the orderer organisation). Broadcast
// applies the checks of Fabric's standard channel message processor (orderer/common/
// msgprocessor and broadcast): not empty, at most AbsoluteMaxBytes, well-formed (Fabric 3.x:
// re-marshals to its own bytes), for this channel, creator's certificate not expired, and the
// signature satisfies the channel's Writers policy. Accepted envelopes go through the block
// cutter; each batch becomes a real common.Block: number, previous_hash (header hash of the
// block before), data_hash, and metadata SIGNATURES (OrdererBlockMetadata with the last config
// index, signed by orderer0 over value ‖ signature header ‖ header bytes) and LAST_CONFIG, as
// orderer/common/multichannel/blockwriter.go writes them.
import { randomBytes } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import {
  blockDataHash,
  blockHeaderBytes,
  blockHeaderHash,
  parseWellFormedEnvelope,
  type SignedData,
} from '@ehr/network';
import { BroadcastRefusedError, type Orderer } from '../interfaces';
import type { MspManager } from '../msp';
import { BlockCutter, type BatchSettings } from './blockcutter';

const Status = common.Status;

export interface OrdererSigner {
  /** Serialized msp.SerializedIdentity of orderer0. */
  readonly serialized: Buffer;
  sign(message: Uint8Array): Buffer;
}

export interface OrdererOptions {
  channel: string;
  batch: BatchSettings;
  signer: OrdererSigner;
  msps: () => MspManager;
  /** /Channel/Writers of the current channel configuration. */
  writers: () => (signatures: SignedData[]) => Promise<boolean>;
  /** Where cut blocks go, one at a time, in order (the committer). */
  deliver: (block: common.Block) => Promise<void>;
  /** Height and tip header hash of the ledger at start. */
  height: bigint;
  tipHeaderHash: Uint8Array;
  lastConfig: bigint;
  /** Turns a CONFIG_UPDATE into the CONFIG envelope to order (channelconfig/); throws BroadcastRefusedError. */
  configUpdate?: (envelope: common.Envelope) => Promise<common.Envelope>;
  /**
   * Called once when a block cannot be committed (disk full, I/O error): ordering has stopped.
   * The process should exit so that it restarts and recovers from the block files.
   */
  onFatal?: (error: Error) => void;
  log?: (msg: string, data?: object) => void;
}

interface Queued {
  raw: Uint8Array;
  size: number;
}

export class DevnetOrderer implements Orderer {
  private readonly cutter: BlockCutter<Queued>;
  private nextNumber: bigint;
  private previousHash: Uint8Array;
  private lastConfig: bigint;
  private chain: Promise<void> = Promise.resolve();
  private failed?: Error;
  private stopped = false;

  constructor(private readonly opts: OrdererOptions) {
    this.nextNumber = opts.height;
    this.previousHash = opts.tipHeaderHash;
    this.lastConfig = opts.lastConfig;
    this.cutter = new BlockCutter<Queued>(opts.batch, (batch) =>
      this.enqueueBlock(
        batch.map((q) => q.raw),
        false,
      ),
    );
  }

  configure(batch: BatchSettings): void {
    this.cutter.configure(batch);
  }

  /** Fabric's standard channel filters; throws BroadcastRefusedError. Returns the payload header type. */
  private async check(raw: Uint8Array): Promise<{ envelope: common.Envelope; type: number }> {
    if (this.stopped || this.failed)
      throw new BroadcastRefusedError(Status.SERVICE_UNAVAILABLE, 'orderer is not running');
    if (raw.length === 0) throw new BroadcastRefusedError(Status.BAD_REQUEST, 'message was empty');
    let envelope: common.Envelope;
    try {
      envelope = parseWellFormedEnvelope(raw);
    } catch (e) {
      throw new BroadcastRefusedError(Status.BAD_REQUEST, (e as Error).message);
    }
    const size = envelope.getPayload_asU8().length + envelope.getSignature_asU8().length;
    if (size > this.opts.batch.absoluteMaxBytes) {
      throw new BroadcastRefusedError(
        Status.BAD_REQUEST,
        `message payload is ${size} bytes and exceeds maximum allowed ${this.opts.batch.absoluteMaxBytes} bytes`,
      );
    }
    let channelHeader: common.ChannelHeader;
    let creator: Uint8Array;
    try {
      const header = common.Payload.deserializeBinary(envelope.getPayload_asU8()).getHeader();
      if (!header) throw new Error('missing header');
      channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      creator = common.SignatureHeader.deserializeBinary(
        header.getSignatureHeader_asU8(),
      ).getCreator_asU8();
    } catch (e) {
      throw new BroadcastRefusedError(
        Status.BAD_REQUEST,
        `bad payload header: ${(e as Error).message}`,
      );
    }
    if (channelHeader.getChannelId() !== this.opts.channel) {
      throw new BroadcastRefusedError(
        Status.NOT_FOUND,
        `channel ${channelHeader.getChannelId()} not found`,
      );
    }
    const type = channelHeader.getType();
    if (
      type !== common.HeaderType.ENDORSER_TRANSACTION &&
      type !== common.HeaderType.CONFIG_UPDATE
    ) {
      throw new BroadcastRefusedError(
        Status.BAD_REQUEST,
        `message of type ${type} is not accepted`,
      );
    }
    let expired = false;
    try {
      expired = this.opts.msps().deserializeIdentity(creator).isExpired();
    } catch {
      // Not an identity of a channel MSP: the Writers policy below refuses it, as Fabric's
      // sigfilter does (the policy skips signers it cannot deserialize).
    }
    if (expired)
      throw new BroadcastRefusedError(Status.FORBIDDEN, 'broadcast client identity expired');
    const signed: SignedData = {
      identity: creator,
      data: envelope.getPayload_asU8(),
      signature: envelope.getSignature_asU8(),
    };
    if (!(await this.opts.writers()([signed]))) {
      throw new BroadcastRefusedError(
        Status.FORBIDDEN,
        // Fabric's sigfilter wraps the policy's error in ErrPermissionDenied.
        "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied: permission denied",
      );
    }
    return { envelope, type };
  }

  async broadcast(raw: Uint8Array): Promise<void> {
    const { envelope, type } = await this.check(raw);
    // The signature check ran off the main thread: the orderer may have stopped meanwhile.
    if (this.stopped || this.failed)
      throw new BroadcastRefusedError(Status.SERVICE_UNAVAILABLE, 'orderer is not running');
    if (type === common.HeaderType.CONFIG_UPDATE) {
      if (!this.opts.configUpdate)
        throw new BroadcastRefusedError(
          Status.BAD_REQUEST,
          'configuration updates are not accepted',
        );
      const config = await this.opts.configUpdate(envelope);
      this.cutter.cut();
      await this.enqueueBlock([config.serializeBinary()], true);
      return;
    }
    this.cutter.order({
      raw,
      size: envelope.getPayload_asU8().length + envelope.getSignature_asU8().length,
    });
  }

  /** Builds and signs the next block, then hands it to the committer after the ones before. */
  private enqueueBlock(data: Uint8Array[], isConfig: boolean): Promise<void> {
    const block = this.createBlock(data, isConfig);
    const done = this.chain.then(() => this.opts.deliver(block));
    this.chain = done.catch((e: unknown) => {
      // A block that cannot be committed stops ordering: later blocks would not chain.
      if (this.failed) return;
      this.failed = e as Error;
      this.opts.log?.('block could not be committed; ordering stopped', {
        error: (e as Error).message,
      });
      this.opts.onFatal?.(e as Error);
    });
    return done;
  }

  private createBlock(data: Uint8Array[], isConfig: boolean): common.Block {
    const number = this.nextNumber;
    if (isConfig) this.lastConfig = number;
    const header = new common.BlockHeader();
    header.setNumber(Number(number));
    header.setPreviousHash(this.previousHash);
    header.setDataHash(blockDataHash(data));
    const blockData = new common.BlockData();
    blockData.setDataList(data);
    const block = new common.Block();
    block.setHeader(header);
    block.setData(blockData);
    const metadata = new common.BlockMetadata();
    metadata.setMetadataList([
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
    ]);
    block.setMetadata(metadata);
    signBlock(block, this.opts.signer, this.lastConfig);
    this.nextNumber = number + 1n;
    this.previousHash = blockHeaderHash({
      number,
      previousHash: header.getPreviousHash_asU8(),
      dataHash: header.getDataHash_asU8(),
    });
    return block;
  }

  /** Cuts what is pending and waits until every block so far has been handed over. */
  async flush(): Promise<void> {
    this.cutter.cut();
    await this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cutter.stop();
    await this.chain;
  }
}

/** Writes LAST_CONFIG and the orderer's signature into SIGNATURES, as Fabric's block writer does. */
export function signBlock(block: common.Block, signer: OrdererSigner, lastConfig: bigint): void {
  const header = block.getHeader()!;
  const lastConfigProto = new common.LastConfig();
  lastConfigProto.setIndex(Number(lastConfig));
  const lastConfigMd = new common.Metadata();
  lastConfigMd.setValue(lastConfigProto.serializeBinary());

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(signer.serialized);
  signatureHeader.setNonce(randomBytes(24));
  const signatureHeaderBytes = signatureHeader.serializeBinary();
  const obm = new common.OrdererBlockMetadata();
  obm.setLastConfig(lastConfigProto);
  obm.setConsenterMetadata(new common.Metadata().serializeBinary());
  const value = obm.serializeBinary();
  const signature = signer.sign(
    Buffer.concat([
      value,
      signatureHeaderBytes,
      blockHeaderBytes({
        number: header.getNumber(),
        previousHash: header.getPreviousHash_asU8(),
        dataHash: header.getDataHash_asU8(),
      }),
    ]),
  );
  const ms = new common.MetadataSignature();
  ms.setSignatureHeader(signatureHeaderBytes);
  ms.setSignature(signature);
  const signatures = new common.Metadata();
  signatures.setValue(value);
  signatures.setSignaturesList([ms]);
  const list = block.getMetadata()!.getMetadataList_asU8().slice();
  list[common.BlockMetadataIndex.SIGNATURES] = signatures.serializeBinary();
  list[common.BlockMetadataIndex.LAST_CONFIG] = lastConfigMd.serializeBinary();
  block.getMetadata()!.setMetadataList(list);
}
