// Who may sign the channel's blocks, from the channel configuration itself, as a Fabric peer
// decides it: the /Channel/Orderer/BlockValidation policy of the configuration in force (for
// Raft, ANY orderer org Writers), evaluated over the block's signatures with the channel's MSPs
// (root and intermediate CAs, NodeOUs, revocation lists). Stricter than Fabric in one way:
// every signature a block carries by a channel identity must verify, so a block altered after
// signing never passes on the strength of its other signatures.
import { blockSignatures, ordererBlockMetadata, type SignedData } from '@ehr/network';
import { ChannelConfig } from '@ehr/devnet/dist/src/channelconfig/config';
import { MspError } from '@ehr/devnet/dist/src/msp';
import { common } from '@hyperledger/fabric-protos';

export const BLOCK_VALIDATION_POLICY = '/Channel/Orderer/BlockValidation';

export class UntrustedBlockError extends Error {
  override name = 'UntrustedBlockError';
}

/** Whether a block holds a single CONFIG transaction (a configuration block). */
export function isConfigBlock(block: common.Block): boolean {
  const data = block.getData()?.getDataList_asU8() ?? [];
  if (data.length !== 1) return false;
  try {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(data[0]).getPayload_asU8(),
    );
    const header = payload.getHeader();
    return (
      !!header &&
      common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getType() ===
        common.HeaderType.CONFIG
    );
  } catch {
    return false;
  }
}

export class OrdererTrust {
  private constructor(
    private config: ChannelConfig,
    /** Number of the config block in force (the last one seen). */
    public lastConfig: bigint,
  ) {}

  /** Trust as a config block (the genesis block, normally) defines it. */
  static fromConfigBlock(block: common.Block): OrdererTrust {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    if (!isConfigBlock(block))
      throw new UntrustedBlockError(`block ${number} is not a config block`);
    let config: ChannelConfig;
    try {
      config = ChannelConfig.fromBlock(block);
    } catch (e) {
      throw new UntrustedBlockError(
        `block ${number}: unreadable channel configuration: ${(e as Error).message}`,
      );
    }
    if (!config.policy(BLOCK_VALIDATION_POLICY)) {
      throw new UntrustedBlockError(
        `block ${number}: the configuration has no ${BLOCK_VALIDATION_POLICY} policy`,
      );
    }
    return new OrdererTrust(config, number);
  }

  /** MSP ids of the channel's organisations (orderer and application). */
  get mspIds(): string[] {
    return this.config.msps.mspIds;
  }

  /**
   * Checks a block after the genesis: its signatures satisfy the BlockValidation policy of the
   * configuration in force before it; then, a config block becoming the one in force, the block
   * must name the config block in force as its last config. Throws UntrustedBlockError.
   */
  check(block: common.Block): void {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    let signatures: SignedData[];
    try {
      signatures = blockSignatures(block);
    } catch (e) {
      throw new UntrustedBlockError(`block ${number}: ${(e as Error).message}`);
    }
    for (const signed of signatures) {
      let identity;
      try {
        identity = this.config.msps.deserializeIdentity(signed.identity);
      } catch (e) {
        if (e instanceof MspError) continue; // not a channel identity: adds nothing to the policy
        throw e;
      }
      if (!identity.verify(signed.data, signed.signature)) {
        throw new UntrustedBlockError(
          `block ${number}: the signature of ${identity.mspId} does not verify`,
        );
      }
    }
    if (!this.config.evaluate(BLOCK_VALIDATION_POLICY, signatures)) {
      throw new UntrustedBlockError(
        `block ${number}: its signatures do not satisfy the channel's BlockValidation policy (orderer signature missing or not from a valid orderer identity)`,
      );
    }
    if (isConfigBlock(block)) {
      const next = OrdererTrust.fromConfigBlock(block);
      this.config = next.config;
      this.lastConfig = number;
    }
    let lastConfig: bigint;
    try {
      lastConfig = BigInt(ordererBlockMetadata(block).getLastConfig()?.getIndex() ?? -1);
    } catch (e) {
      throw new UntrustedBlockError(`block ${number}: ${(e as Error).message}`);
    }
    if (lastConfig !== this.lastConfig) {
      throw new UntrustedBlockError(
        `block ${number}: names block ${lastConfig} as last config, not ${this.lastConfig}`,
      );
    }
  }
}
