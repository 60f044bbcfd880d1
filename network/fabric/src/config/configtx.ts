// configtx.yaml for configtxgen, generated from network.yaml: the orderer organisation with its
// Raft consenters, one application organisation per hospital with its anchor peer, and the
// channel profile whose genesis block the orderers and peers join (no system channel).
import { orgPaths, type Organization } from '@ehr/network';
import { HOST, type FabricTopology } from '../topology';

export const CHANNEL_PROFILE = 'EhrChannel';

type Policy = { Type: 'Signature' | 'ImplicitMeta'; Rule: string };
const signature = (Rule: string): Policy => ({ Type: 'Signature', Rule });
const implicit = (Rule: string): Policy => ({ Type: 'ImplicitMeta', Rule });

/** An organisation's policies: NodeOU roles decide who is a member, an admin, a peer. */
export function orgPolicies(org: Organization): Record<string, Policy> {
  const id = org.mspId;
  if (org.type === 'orderer') {
    // Orderer nodes sign blocks (BlockValidation is ANY Writers) and replicate from each other.
    return {
      Readers: signature(`OR('${id}.member')`),
      Writers: signature(`OR('${id}.member')`),
      Admins: signature(`OR('${id}.admin')`),
    };
  }
  return {
    Readers: signature(`OR('${id}.admin', '${id}.peer', '${id}.client')`),
    Writers: signature(`OR('${id}.admin', '${id}.client')`),
    Admins: signature(`OR('${id}.admin')`),
    Endorsement: signature(`OR('${id}.peer')`),
  };
}

/** What configtxgen needs to know about a hospital, also used by add-org (configtxgen -printOrg). */
export function hospitalOrgSection(topo: FabricTopology, org: Organization, port: number) {
  return {
    Name: org.mspId,
    ID: org.mspId,
    MSPDir: orgPaths(topo.net, org).msp,
    Policies: orgPolicies(org),
    AnchorPeers: [{ Host: HOST, Port: port }],
  };
}

/** Fabric writes sizes like "10 MB"; network.yaml gives bytes. Whole KB/MB keep their unit. */
export function byteSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes}`;
}

export function configtx(topo: FabricTopology): Record<string, unknown> {
  const { net } = topo;
  const ordererOrg = {
    Name: net.ordererOrg.mspId,
    ID: net.ordererOrg.mspId,
    MSPDir: orgPaths(net, net.ordererOrg).msp,
    Policies: orgPolicies(net.ordererOrg),
    OrdererEndpoints: topo.orderers.map((o) => `${HOST}:${o.port}`),
  };
  // The channel's founding members; hospitals added later come in through config updates.
  const hospitals = topo.peers
    .filter((p) => !p.joinedLater)
    .map((p) => hospitalOrgSection(topo, p.org, p.port));
  const orderer = {
    OrdererType: 'etcdraft',
    BatchTimeout: net.ordering.batchTimeout,
    BatchSize: {
      MaxMessageCount: net.ordering.maxMessageCount,
      AbsoluteMaxBytes: byteSize(net.ordering.absoluteMaxBytes),
      PreferredMaxBytes: byteSize(net.ordering.preferredMaxBytes),
    },
    MaxChannels: 0,
    EtcdRaft: {
      // Each orderer serves Raft on its main listener, so its TLS certificate is used both ways.
      Consenters: topo.orderers.map((o) => ({
        Host: HOST,
        Port: o.port,
        ClientTLSCert: o.identity.tlsCert,
        ServerTLSCert: o.identity.tlsCert,
      })),
      Options: {
        TickInterval: '500ms',
        ElectionTick: 10,
        HeartbeatTick: 1,
        MaxInflightBlocks: 5,
        SnapshotIntervalSize: '16 MB',
      },
    },
    Organizations: [ordererOrg],
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
      BlockValidation: implicit('ANY Writers'),
    },
    Capabilities: { V2_0: true },
  };
  const application = {
    Organizations: hospitals,
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      // Enrolling a hospital or changing the channel needs a majority of the members' admins.
      Admins: implicit('MAJORITY Admins'),
      LifecycleEndorsement: implicit('MAJORITY Endorsement'),
      Endorsement: implicit('MAJORITY Endorsement'),
    },
    Capabilities: { V2_5: true },
  };
  return {
    Organizations: [ordererOrg, ...hospitals],
    Profiles: {
      [CHANNEL_PROFILE]: {
        Policies: {
          Readers: implicit('ANY Readers'),
          Writers: implicit('ANY Writers'),
          Admins: implicit('MAJORITY Admins'),
        },
        Capabilities: { V3_0: true },
        Orderer: orderer,
        Application: application,
      },
    },
  };
}
