// Who may sign the channel's blocks, from the channel configuration itself: the orderer
// organisations' MSPs (root and intermediate CAs, NodeOUs, revocation lists) in the Orderer
// group of the newest config block. A block is accepted when a valid identity of one of those
// MSPs signed it (Fabric's default BlockValidation policy for Raft: ANY orderer org Writers,
// i.e. any member of an orderer org), and every signature it carries verifies.
import { blockSignatures, ordererBlockMetadata } from '@ehr/network';
import { MspManager, MspError } from '@ehr/devnet/dist/src/msp';
import { common, msp as mspProto } from '@hyperledger/fabric-protos';

export class UntrustedBlockError extends Error {
  override name = 'UntrustedBlockError';
}

/** The envelope of a config block's only transaction, if the block is a config block. */
export function configEnvelope(block: common.Block): common.ConfigEnvelope | undefined {
  const data = block.getData()?.getDataList_asU8() ?? [];
  if (data.length !== 1) return undefined;
  try {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(data[0]).getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return undefined;
    const type = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getType();
    if (type !== common.HeaderType.CONFIG) return undefined;
    return common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
  } catch {
    return undefined;
  }
}

/** The FabricMSPConfig of each organisation in the Orderer group of a channel configuration. */
export function ordererMspConfigs(config: common.Config): mspProto.FabricMSPConfig[] {
  const orderer = config.getChannelGroup()?.getGroupsMap().get('Orderer');
  if (!orderer) throw new UntrustedBlockError('the channel configuration has no Orderer group');
  const out: mspProto.FabricMSPConfig[] = [];
  orderer.getGroupsMap().forEach((org) => {
    const value = org.getValuesMap().get('MSP');
    if (!value) return;
    const cfg = mspProto.MSPConfig.deserializeBinary(value.getValue_asU8());
    out.push(mspProto.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8()));
  });
  if (out.length === 0) throw new UntrustedBlockError('the Orderer group has no organisation MSP');
  return out;
}

export class OrdererTrust {
  private msps: MspManager;
  /** Number of the config block in force (the last one seen). */
  lastConfig: bigint;

  private constructor(msps: MspManager, lastConfig: bigint) {
    this.msps = msps;
    this.lastConfig = lastConfig;
  }

  /** Trust as the genesis (or any config) block defines it. */
  static fromConfigBlock(block: common.Block): OrdererTrust {
    const trust = new OrdererTrust(new MspManager([]), 0n);
    if (!trust.update(block)) throw new UntrustedBlockError(`block ${block.getHeader()?.getNumber()} is not a config block`);
    return trust;
  }

  get ordererMspIds(): string[] {
    return this.msps.mspIds;
  }

  /** Adopts the configuration of `block` if it is a config block; returns whether it was one. */
  update(block: common.Block): boolean {
    const envelope = configEnvelope(block);
    const config = envelope?.getConfig();
    if (!config) return false;
    this.msps = MspManager.fromFabricMspConfigs(ordererMspConfigs(config));
    this.lastConfig = BigInt(block.getHeader()?.getNumber() ?? 0);
    return true;
  }

  /**
   * Checks a block after the genesis: its orderer signatures under the configuration in force
   * before it, then (a config block becoming the one in force) that it names the config block in
   * force as its last config. Throws UntrustedBlockError.
   */
  check(block: common.Block): void {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    let signatures;
    try {
      signatures = blockSignatures(block);
    } catch (e) {
      throw new UntrustedBlockError(`block ${number}: ${(e as Error).message}`);
    }
    let trusted = 0;
    for (const signed of signatures) {
      let identity;
      try {
        identity = this.msps.validIdentity(signed.identity);
      } catch (e) {
        if (e instanceof MspError) continue; // a signer outside the orderer orgs adds no trust
        throw e;
      }
      if (!identity.verify(signed.data, signed.signature)) {
        throw new UntrustedBlockError(`block ${number}: the signature of ${identity.mspId} does not verify`);
      }
      trusted++;
    }
    if (trusted === 0) {
      throw new UntrustedBlockError(
        `block ${number}: not signed by a valid identity of ${this.ordererMspIds.join(', ') || 'an orderer org'}`,
      );
    }
    this.update(block);
    let lastConfig: bigint;
    try {
      lastConfig = BigInt(ordererBlockMetadata(block).getLastConfig()?.getIndex() ?? -1);
    } catch (e) {
      throw new UntrustedBlockError(`block ${number}: ${(e as Error).message}`);
    }
    if (lastConfig !== this.lastConfig) {
      throw new UntrustedBlockError(`block ${number}: names block ${lastConfig} as last config, not ${this.lastConfig}`);
    }
  }
}
