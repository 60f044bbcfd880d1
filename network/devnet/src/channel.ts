// One channel of devnet: its ledger, its current configuration, the orderer that cuts its
// blocks and the committer that validates and stores them. main.ts opens one; tests too.
import { common, peer } from '@hyperledger/fabric-protos';
import { headerHashOf } from '@ehr/network';
import { ChannelConfig } from './channelconfig/config';
import {
  proposeConfigUpdate,
  signedConfigEnvelope,
  verifyConfigTransaction,
} from './channelconfig/update';
import { BroadcastRefusedError } from './interfaces';
import { Committer } from './committer/committer';
import { DevnetLedger } from './ledger/ledger';
import { DevnetOrderer, type OrdererSigner } from './orderer/orderer';
import type { BatchSettings } from './orderer/blockcutter';
import type { ChaincodeDefinition, ChannelResources } from './peer/channel';
import { parseSignaturePolicy, SignaturePolicy } from './policies';

export interface ChannelOptions {
  /** Ledger directory. */
  dir: string;
  /** Builds block 0 when the ledger is empty. */
  genesis: () => common.Block;
  /** orderer0's signing identity. */
  signer: OrdererSigner;
  /** The chaincodes defined on the channel, with their endorsement policy (Fabric policy DSL). */
  chaincodes: { name: string; version: string; endorsementPolicy: string }[];
  /** Overrides the batch settings of the channel configuration (e.g. for tests). */
  batch?: Partial<BatchSettings>;
  log?: (msg: string, data?: object) => void;
  /** A block could not be committed; see OrdererOptions.onFatal. */
  onFatal?: (error: Error) => void;
}

export class DevnetChannel {
  private constructor(
    readonly ledger: DevnetLedger,
    readonly committer: Committer,
    readonly orderer: DevnetOrderer,
    private configRef: { current: ChannelConfig },
    private readonly definitions: Map<string, ChaincodeDefinition>,
  ) {}

  get config(): ChannelConfig {
    return this.configRef.current;
  }

  static async open(opts: ChannelOptions): Promise<DevnetChannel> {
    const log = opts.log ?? (() => {});
    const ledger = await DevnetLedger.open(opts.dir, log);
    if (ledger.height() === 0n) {
      const block = opts.genesis();
      const list = block.getMetadata()!.getMetadataList_asU8().slice();
      list[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = Uint8Array.from([
        peer.TxValidationCode.VALID,
      ]);
      block.getMetadata()!.setMetadataList(list);
      await ledger.commitBlock(block);
      log('created the genesis block', { channel: ChannelConfig.fromBlock(block).channelId });
    }
    const lastConfigBlock = await ledger.getBlock(ledger.stats().lastConfig);
    const configRef = { current: ChannelConfig.fromBlock(lastConfigBlock!) };
    const channel = configRef.current.channelId;

    const definitions = new Map<string, ChaincodeDefinition>(
      opts.chaincodes.map((c) => [
        c.name,
        {
          name: c.name,
          version: c.version,
          endorsementPolicy: new SignaturePolicy(parseSignaturePolicy(c.endorsementPolicy)),
        },
      ]),
    );
    const committer = new Committer(ledger, {
      channel,
      msps: () => configRef.current.msps,
      endorsementPolicy: (ns) => definitions.get(ns)?.endorsementPolicy,
      applyConfig: (tx) => {
        configRef.current = new ChannelConfig(
          verifyConfigTransaction(configRef.current, tx.envelope),
          channel,
        );
      },
      log,
    });
    const tip = await ledger.getBlock(ledger.height() - 1n);
    const batch = { ...configRef.current.batchSettings(), ...opts.batch };
    const orderer = new DevnetOrderer({
      channel,
      batch,
      signer: opts.signer,
      msps: () => configRef.current.msps,
      writers: () => (sigs) => configRef.current.evaluateAsync('/Channel/Writers', sigs),
      deliver: (block) => committer.commit(block),
      height: ledger.height(),
      tipHeaderHash: headerHashOf(tip!),
      lastConfig: ledger.stats().lastConfig,
      configUpdate: async (update) => {
        try {
          const config = proposeConfigUpdate(configRef.current, update);
          // As Fabric's orderer (CreateBundle): the new configuration must itself be usable —
          // e.g. every MSP in it buildable — before it is ordered, or no peer could apply it.
          try {
            new ChannelConfig(config, channel);
          } catch (e) {
            throw new Error(`initializing channelconfig failed: ${(e as Error).message}`, {
              cause: e,
            });
          }
          return signedConfigEnvelope(channel, config, update, opts.signer);
        } catch (e) {
          throw new BroadcastRefusedError(
            common.Status.BAD_REQUEST,
            `error applying config update to existing channel '${channel}': ${(e as Error).message}`,
          );
        }
      },
      onFatal: opts.onFatal,
      log,
    });
    return new DevnetChannel(ledger, committer, orderer, configRef, definitions);
  }

  /** The peer side's view of the channel (devnet-peer's ChannelResources), always current. */
  resources(): ChannelResources {
    return {
      channelId: this.config.channelId,
      msps: () => this.config.msps,
      policy: (path) => this.config.policy(path),
      chaincode: (name) => this.definitions.get(name),
    };
  }

  async close(): Promise<void> {
    await this.orderer.stop();
    await this.ledger.close();
  }
}
