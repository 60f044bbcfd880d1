// Environments and flags under which Fabric's CLIs act as an organisation's admin.
import { orgPaths } from '@ehr/network';
import { endpoint, type FabricTopology, type OrdererNode, type PeerNode } from './topology';

/** `peer` CLI as the peer's organisation admin, talking to that peer over TLS. */
export function peerAdminEnv(topo: FabricTopology, peer: PeerNode): Record<string, string> {
  const admin = orgPaths(topo.net, peer.org).admin;
  return {
    FABRIC_CFG_PATH: peer.configDir,
    CORE_PEER_LOCALMSPID: peer.org.mspId,
    CORE_PEER_MSPCONFIGPATH: admin.msp,
    CORE_PEER_ADDRESS: endpoint(peer.port),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: peer.identity.tlsCa,
  };
}

/** Flags that make a `peer` command reach the first orderer over TLS. */
export function ordererFlags(
  topo: FabricTopology,
  orderer: OrdererNode = topo.orderers[0]!,
): string[] {
  return ['-o', endpoint(orderer.port), '--tls', '--cafile', orderer.identity.tlsCa];
}

/** `osnadmin` flags: the orderer's admin endpoint, authenticated by the orderer admin's TLS certificate. */
export function osnadminFlags(topo: FabricTopology, orderer: OrdererNode): string[] {
  const admin = orgPaths(topo.net, topo.net.ordererOrg).admin;
  return [
    '-o',
    endpoint(orderer.adminPort),
    '--ca-file',
    orderer.identity.tlsCa,
    '--client-cert',
    admin.tlsCert,
    '--client-key',
    admin.tlsKey,
  ];
}
