// The real Fabric network derived from network.yaml: which orderers and peers exist, where they
// listen, where their configuration, data and crypto material live. Every other module of
// @ehr/fabric works from this one view, so a port or a path is decided in exactly one place.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dataPaths,
  orgPaths,
  type Hospital,
  type IdentityPaths,
  type Network,
  type Organization,
} from '@ehr/network';

/** 127.0.0.1 everywhere: the local network is never reachable from outside the machine. */
export const HOST = '127.0.0.1';

export interface OrdererNode {
  /** orderer0, orderer1, ... */
  name: string;
  org: Organization;
  port: number;
  adminPort: number;
  operationsPort: number;
  identity: IdentityPaths;
  /** FABRIC_CFG_PATH of this orderer (orderer.yaml). */
  configDir: string;
  /** FileLedger and Raft WAL/snapshots. */
  dataDir: string;
}

export interface PeerNode {
  /** peer0 */
  name: string;
  org: Hospital;
  port: number;
  operationsPort: number;
  /** The peer always binds a chaincode listener; unused with chaincode as a service. */
  chaincodeListenPort: number;
  identity: IdentityPaths;
  /** FABRIC_CFG_PATH of this peer (core.yaml). */
  configDir: string;
  dataDir: string;
  /** A candidate hospital added to the channel after its creation (not in the genesis block). */
  joinedLater: boolean;
}

export interface FabricTopology {
  net: Network;
  channel: string;
  /** Root of every real-Fabric artefact under the data directory. */
  root: string;
  /** configtx.yaml and the genesis block. */
  channelDir: string;
  genesisBlock: string;
  /** The chaincode package and its recorded package id. */
  chaincodeDir: string;
  orderers: OrdererNode[];
  peers: PeerNode[];
}

/** Number of Raft orderers: 1 unless FABRIC_ORDERERS says 3 (an odd count that tolerates a fault). */
export function ordererCount(env: NodeJS.ProcessEnv = process.env): 1 | 3 {
  const raw = env.FABRIC_ORDERERS ?? '1';
  if (raw === '1') return 1;
  if (raw === '3') return 3;
  throw new Error(`FABRIC_ORDERERS must be 1 or 3, not "${raw}"`);
}

/** orderer0 is the layout's `orderer`, further ones its `extraOrderers`. */
function ordererIdentity(net: Network, index: number): IdentityPaths {
  const paths = orgPaths(net, net.ordererOrg);
  const id = index === 0 ? paths.orderer : paths.extraOrderers[index - 1];
  if (!id) throw new Error(`no identity for orderer${index} of ${net.ordererOrg.name}`);
  return id;
}

export function fabricTopology(net: Network, env: NodeJS.ProcessEnv = process.env): FabricTopology {
  const root = dataPaths(net).fabric;
  const org = net.ordererOrg;
  if (!org.orderer) throw new Error(`${org.name} has no orderer ports in network.yaml`);
  const count = ordererCount(env);
  const ports = [org.orderer, ...(org.extraOrderers ?? [])];
  if (ports.length < count) {
    throw new Error(
      `FABRIC_ORDERERS=${count} but network.yaml lists ${ports.length} orderer port sets`,
    );
  }
  const orderers = ports.slice(0, count).map((p, i): OrdererNode => {
    const name = `orderer${i}`;
    return {
      name,
      org,
      port: p.port,
      adminPort: p.adminPort,
      operationsPort: p.operationsPort,
      identity: ordererIdentity(net, i),
      configDir: join(root, 'orderers', name, 'config'),
      dataDir: join(root, 'orderers', name, 'data'),
    };
  });
  const joined = joinedCandidates(net);
  const peers = [...net.hospitals, ...joined].map((h): PeerNode => {
    const name = 'peer0';
    const identity = orgPaths(net, h).peer;
    if (!identity) throw new Error(`no peer identity for ${h.name}`);
    const dir = join(root, 'peers', `${name}.${h.name}`);
    return {
      name,
      org: h,
      port: h.peer.fabricPort,
      operationsPort: h.peer.fabricOperationsPort,
      chaincodeListenPort: h.peer.fabricChaincodePort,
      identity,
      configDir: join(dir, 'config'),
      dataDir: join(dir, 'data'),
      joinedLater: joined.includes(h),
    };
  });
  const channelDir = join(root, 'channel');
  return {
    net,
    channel: net.channel,
    root,
    channelDir,
    genesisBlock: join(channelDir, `${net.channel}.block`),
    chaincodeDir: join(root, 'chaincode'),
    orderers,
    peers,
  };
}

/** Candidates (network.yaml) that add-org has made members, recorded under the data directory. */
const membersFile = (net: Network) => join(dataPaths(net).fabric, 'joined-members.json');

export function joinedCandidates(net: Network): Hospital[] {
  const file = membersFile(net);
  if (!existsSync(file)) return [];
  const names = JSON.parse(readFileSync(file, 'utf8')) as string[];
  return net.candidateHospitals.filter((h) => names.includes(h.name));
}

export function recordJoinedCandidate(net: Network, name: string): void {
  const names = joinedCandidates(net).map((h) => h.name);
  if (names.includes(name)) return;
  mkdirSync(dataPaths(net).fabric, { recursive: true });
  writeFileSync(membersFile(net), JSON.stringify([...names, name], null, 2));
}

export const endpoint = (port: number) => `${HOST}:${port}`;

/** Service names as the supervisor shows them. */
export const ordererServiceName = (o: OrdererNode) => `fabric-${o.name}`;
export const peerServiceName = (p: PeerNode) => `fabric-peer0-${p.org.name.toLowerCase()}`;
