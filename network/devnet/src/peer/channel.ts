// What a peer needs to know about its channel, as of the latest config block: the MSPs, the
// channel's policies by path (Fabric ACLs use /Channel/Application/Readers and Writers) and the
// chaincode definitions. channelconfig/ (devnet-ledger) provides the live one;
// defaultChannelResources builds the same from the org MSPs with Fabric's sample configtx
// policies (what our channel's genesis block also uses).
import { MspManager } from '../msp';
import { ImplicitMetaPolicy, SignaturePolicy, type Policy } from '../policies';

export interface ChaincodeDefinition {
  name: string;
  version: string;
  /** The chaincode's endorsement policy. */
  endorsementPolicy: Policy;
}

export interface ChannelResources {
  readonly channelId: string;
  msps(): MspManager;
  /** A channel policy by its full path, e.g. '/Channel/Application/Writers'. */
  policy(path: string): Policy | undefined;
  chaincode(name: string): ChaincodeDefinition | undefined;
}

export const POLICY_READERS = '/Channel/Application/Readers';
export const POLICY_WRITERS = '/Channel/Application/Writers';

/** Per-organisation policies as in Fabric's sample configtx.yaml (with NodeOUs). */
export function orgPolicies(
  mspId: string,
): Record<'Readers' | 'Writers' | 'Admins' | 'Endorsement', Policy> {
  return {
    Readers: SignaturePolicy.parse(`OR('${mspId}.admin', '${mspId}.peer', '${mspId}.client')`),
    Writers: SignaturePolicy.parse(`OR('${mspId}.admin', '${mspId}.client')`),
    Admins: SignaturePolicy.parse(`OR('${mspId}.admin')`),
    Endorsement: SignaturePolicy.parse(`OR('${mspId}.peer')`),
  };
}

export function defaultChannelResources(opts: {
  channelId: string;
  msps: MspManager;
  /** MSP ids of the application (member) organisations. */
  members: string[];
  chaincodes: { name: string; version: string; endorsementPolicy: string }[];
}): ChannelResources {
  const orgs = opts.members.map(orgPolicies);
  const meta = (rule: 'ANY' | 'MAJORITY', name: 'Readers' | 'Writers' | 'Admins' | 'Endorsement') =>
    new ImplicitMetaPolicy(
      rule,
      name,
      orgs.map((o) => o[name]),
    );
  const policies = new Map<string, Policy>([
    [POLICY_READERS, meta('ANY', 'Readers')],
    [POLICY_WRITERS, meta('ANY', 'Writers')],
    ['/Channel/Application/Admins', meta('MAJORITY', 'Admins')],
    ['/Channel/Application/Endorsement', meta('MAJORITY', 'Endorsement')],
  ]);
  const chaincodes = new Map(
    opts.chaincodes.map((c) => [
      c.name,
      {
        name: c.name,
        version: c.version,
        endorsementPolicy: SignaturePolicy.parse(c.endorsementPolicy),
      },
    ]),
  );
  return {
    channelId: opts.channelId,
    msps: () => opts.msps,
    policy: (path) => policies.get(path),
    chaincode: (name) => chaincodes.get(name),
  };
}

/** The chaincodes devnet defines on the channel: the main one and, when configured, the
 * conformance suite's contract (network.yaml testChaincode). */
export function channelChaincodes(net: {
  chaincode: { name: string; version: string; endorsementPolicy: string };
  testChaincode?: { name: string; version: string; endorsementPolicy: string };
}): { name: string; version: string; endorsementPolicy: string }[] {
  const { name, version, endorsementPolicy } = net.chaincode;
  const list = [{ name, version, endorsementPolicy }];
  if (net.testChaincode) list.push({ ...net.testChaincode });
  return list;
}
