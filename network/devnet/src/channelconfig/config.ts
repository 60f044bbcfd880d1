// A channel configuration (common.Config) as devnet uses it: the channel's MSPs, its policies by
// path (/Channel/Writers, /Channel/Application/Admins, …, with implicit meta policies resolved
// over the child groups as Fabric's policy manager does) and the orderer's batch settings.
import { common, msp as mspProto, orderer } from '@hyperledger/fabric-protos';
import { parseDuration } from '@ehr/network';
import { Msp, MspManager } from '../msp';
import {
  evaluateSignedData,
  evaluateSignedDataAsync,
  policyFromProto,
  type Policy,
  type SignedData,
} from '../policies';
import type { BatchSettings } from '../orderer/blockcutter';

export class ChannelConfig {
  readonly msps: MspManager;
  private readonly policies = new Map<string, Policy>();

  constructor(
    readonly config: common.Config,
    readonly channelId: string,
  ) {
    const root = config.getChannelGroup();
    if (!root) throw new Error('configuration has no channel group');
    const msps: Msp[] = [];
    const collect = (group: common.ConfigGroup) => {
      const value = group.getValuesMap().get('MSP');
      if (value) {
        const cfg = mspProto.MSPConfig.deserializeBinary(value.getValue_asU8());
        msps.push(
          Msp.fromFabricMspConfig(mspProto.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8())),
        );
      }
      group.getGroupsMap().forEach((child) => collect(child));
    };
    collect(root);
    this.msps = new MspManager(msps);
    this.buildPolicies(root, '/Channel');
  }

  static fromEnvelope(envelope: common.Envelope): ChannelConfig {
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const ch = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
    if (ch.getType() !== common.HeaderType.CONFIG) throw new Error('not a CONFIG envelope');
    const ce = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
    return new ChannelConfig(ce.getConfig()!, ch.getChannelId());
  }

  static fromBlock(block: common.Block): ChannelConfig {
    const data = block.getData()?.getDataList_asU8() ?? [];
    if (data.length !== 1) throw new Error('a config block holds exactly one envelope');
    return ChannelConfig.fromEnvelope(common.Envelope.deserializeBinary(data[0]));
  }

  get sequence(): number {
    return this.config.getSequence();
  }

  private buildPolicies(group: common.ConfigGroup, path: string): Map<string, Policy> {
    const children = new Map<string, Map<string, Policy>>();
    group
      .getGroupsMap()
      .forEach((child, name) => children.set(name, this.buildPolicies(child, `${path}/${name}`)));
    const own = new Map<string, Policy>();
    group.getPoliciesMap().forEach((cp, name) => {
      const proto = cp.getPolicy();
      if (!proto) return;
      const policy = policyFromProto(proto, (sub) =>
        [...children.values()].map((c) => c.get(sub)).filter((p): p is Policy => p !== undefined),
      );
      own.set(name, policy);
      this.policies.set(`${path}/${name}`, policy);
    });
    return own;
  }

  policy(path: string): Policy | undefined {
    return this.policies.get(path);
  }

  /** Whether the signatures satisfy the policy at `path` (false when there is no such policy). */
  evaluate(path: string, signatures: SignedData[]): boolean {
    const policy = this.policies.get(path);
    return policy ? evaluateSignedData(policy, signatures, this.msps) : false;
  }

  /** evaluate() with the signatures verified off the main thread (the orderer's Writers check). */
  async evaluateAsync(path: string, signatures: SignedData[]): Promise<boolean> {
    const policy = this.policies.get(path);
    return policy ? evaluateSignedDataAsync(policy, signatures, this.msps) : false;
  }

  /** Application organisations: config group name → MSP id. */
  applicationOrgs(): Map<string, string> {
    const out = new Map<string, string>();
    this.config
      .getChannelGroup()
      ?.getGroupsMap()
      .get('Application')
      ?.getGroupsMap()
      .forEach((g, name) => {
        const value = g.getValuesMap().get('MSP');
        if (value) out.set(name, mspIdOf(value));
      });
    return out;
  }

  batchSettings(): BatchSettings {
    const og = this.config.getChannelGroup()?.getGroupsMap().get('Orderer');
    const size = og?.getValuesMap().get('BatchSize');
    const timeout = og?.getValuesMap().get('BatchTimeout');
    if (!size || !timeout) throw new Error('configuration has no orderer batch settings');
    const bs = orderer.BatchSize.deserializeBinary(size.getValue_asU8());
    const bt = orderer.BatchTimeout.deserializeBinary(timeout.getValue_asU8());
    return {
      maxMessageCount: bs.getMaxMessageCount(),
      absoluteMaxBytes: bs.getAbsoluteMaxBytes(),
      preferredMaxBytes: bs.getPreferredMaxBytes(),
      batchTimeoutMs: goDurationMs(bt.getTimeout()),
    };
  }
}

function mspIdOf(value: common.ConfigValue): string {
  const cfg = mspProto.MSPConfig.deserializeBinary(value.getValue_asU8());
  return mspProto.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8()).getName();
}

/** Milliseconds of a Go duration string as configtxgen writes it (250ms, 2s, 1m30s). */
export function goDurationMs(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total +=
      Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`bad duration ${text}`);
  return total;
}

/** A network.yaml duration (250ms, 2s, 5m) as Go's time.Duration String() writes it. */
export function toGoDuration(text: string): string {
  const ms = parseDuration(text);
  if (ms % 60_000 === 0) return `${ms / 60_000}m0s`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}
