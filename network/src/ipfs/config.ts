// Configuration of the private IPFS network: per hospital a Kubo node and an IPFS Cluster peer,
// reachable on loopback only, peered with each other and with nobody else. A swarm key makes the
// libp2p network private (LIBP2P_FORCE_PNET=1 refuses to run without it); the cluster peers share
// a cluster secret. Both are generated once and kept in the data directory (0600).
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Hospital, Network } from '../config';
import { dataPaths } from '../layout';
import { goBinary } from '../services/go-binaries';
import { persistentSecret, writePrivateFile } from '../services/secret-file';

const run = promisify(execFile);

/** Environment of every Kubo and cluster process (and of their init commands). */
export function ipfsEnv(net: Network, org: Hospital): Record<string, string> {
  return {
    IPFS_PATH: dataPaths(net).ipfs(org),
    IPFS_CLUSTER_PATH: dataPaths(net).cluster(org),
    LIBP2P_FORCE_PNET: '1',
    IPFS_TELEMETRY: 'off',
  };
}

const sharedDir = (net: Network) => join(net.dataDir, 'ipfs');

/** The private network's pre-shared key (hex, 32 bytes). */
function swarmKeyHex(net: Network): string {
  return Buffer.from(persistentSecret(join(sharedDir(net), 'swarm-key'), 32), 'base64url').toString(
    'hex',
  );
}

function clusterSecretHex(net: Network): string {
  return Buffer.from(
    persistentSecret(join(sharedDir(net), 'cluster-secret'), 32),
    'base64url',
  ).toString('hex');
}

const loopback = (port: number) => `/ip4/127.0.0.1/tcp/${port}`;

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** User of the cluster REST API (basic auth); its password is clusterApiPassword(). */
export const CLUSTER_API_USER = 'ehr';

/** The password of a hospital's cluster REST API: generated once, kept 0600. */
export function clusterApiPassword(net: Network, org: Hospital): string {
  return persistentSecret(clusterApiPasswordFile(net, org));
}

export const clusterApiPasswordFile = (net: Network, org: Hospital) =>
  join(sharedDir(net), org.name, 'cluster-api-password');

/** The Authorization header value for a hospital's cluster REST API. */
export function clusterApiAuthorization(net: Network, org: Hospital): string {
  return `Basic ${Buffer.from(`${CLUSTER_API_USER}:${clusterApiPassword(net, org)}`).toString('base64')}`;
}

/** Kubo's peer id of a hospital (from its initialised repository). */
export function kuboPeerId(net: Network, org: Hospital): string {
  return readJson<{ Identity: { PeerID: string } }>(join(dataPaths(net).ipfs(org), 'config'))
    .Identity.PeerID;
}

/** IPFS Cluster's peer id of a hospital. */
export function clusterPeerId(net: Network, org: Hospital): string {
  return readJson<{ id: string }>(join(dataPaths(net).cluster(org), 'identity.json')).id;
}

const initializing = new Map<string, Promise<void>>();

/**
 * Creates the Kubo repository and the cluster peer's identity of every hospital, once. The
 * services' prepare steps run concurrently and all call this: they share one run.
 */
export function initIpfsRepos(net: Network): Promise<void> {
  let running = initializing.get(net.dataDir);
  if (!running) {
    running = initRepos(net).finally(() => initializing.delete(net.dataDir));
    initializing.set(net.dataDir, running);
  }
  return running;
}

async function initRepos(net: Network): Promise<void> {
  for (const org of net.hospitals) {
    const env = { ...process.env, ...ipfsEnv(net, org) };
    mkdirSync(join(sharedDir(net), org.name), { recursive: true, mode: 0o700 });
    if (!existsSync(join(dataPaths(net).ipfs(org), 'config'))) {
      await run(goBinary(net, 'ipfs'), ['init', '--empty-repo'], { env });
    }
    if (!existsSync(join(dataPaths(net).cluster(org), 'identity.json'))) {
      await run(goBinary(net, 'ipfs-cluster-service'), ['init', '--consensus', 'crdt'], { env });
    }
  }
}

type Json = Record<string, unknown>;

/** Rewrites one hospital's Kubo configuration: private, loopback-only, no outbound discovery. */
export function writeKuboConfig(net: Network, org: Hospital): void {
  const repo = dataPaths(net).ipfs(org);
  const file = join(repo, 'config');
  const c = readJson<Json & { Identity: unknown }>(file);
  const others = net.hospitals.filter((h) => h.name !== org.name);
  Object.assign(c, {
    Addresses: {
      Swarm: [loopback(org.ipfs.swarmPort)],
      Announce: [],
      AppendAnnounce: [],
      NoAnnounce: [],
      API: loopback(org.ipfs.apiPort),
      Gateway: loopback(org.ipfs.gatewayPort),
    },
    // No public bootstrap peers; the other hospitals' nodes are kept connected by Peering.
    Bootstrap: [],
    Peering: {
      Peers: others.map((h) => ({ ID: kuboPeerId(net, h), Addrs: [loopback(h.ipfs.swarmPort)] })),
    },
    Discovery: { MDNS: { Enabled: false } },
    // Nothing is announced to or looked up in a DHT or a delegated router: blocks move between
    // the connected hospital nodes (bitswap) only.
    Routing: { Type: 'none', DelegatedRouters: [] },
    Ipns: { ...(c.Ipns as Json), DelegatedPublishers: [] },
    DNS: { Resolvers: {} },
    AutoConf: { Enabled: false },
    AutoTLS: { Enabled: false },
    AutoNAT: { ServiceMode: 'disabled' },
    HTTPRetrieval: { Enabled: false },
    Provide: { Enabled: false, DHT: {} },
    Swarm: {
      ...(c.Swarm as Json),
      DisableNatPortMap: true,
      EnableHolePunching: false,
      RelayClient: { Enabled: false },
      RelayService: { Enabled: false },
      Transports: {
        Network: {
          TCP: true,
          QUIC: false,
          WebTransport: false,
          WebRTCDirect: false,
          Websocket: false,
          Relay: false,
        },
        Security: {},
        Multiplexers: {},
      },
    },
    Plugins: { Plugins: { telemetry: { Config: { Mode: 'off' } } } },
  });
  writePrivateFile(file, JSON.stringify(c, null, 2));
  writePrivateFile(
    join(repo, 'swarm.key'),
    `/key/swarm/psk/1.0.0/\n/base16/\n${swarmKeyHex(net)}\n`,
  );
}

/** Rewrites one hospital's cluster configuration (CRDT, replication from network.yaml). */
export function writeClusterConfig(net: Network, org: Hospital): void {
  const dir = dataPaths(net).cluster(org);
  const file = join(dir, 'service.json');
  const c = readJson<{
    cluster: Json;
    consensus: { crdt: Json };
    informer: Record<string, Json>;
    api: Record<string, Json>;
    ipfs_connector: { ipfshttp: Json };
  }>(file);
  const others = net.hospitals.filter((h) => h.name !== org.name);
  Object.assign(c.cluster, {
    peername: `cluster-${org.name.toLowerCase()}`,
    secret: clusterSecretHex(net),
    listen_multiaddress: [loopback(org.ipfs.clusterSwarmPort)],
    announce_multiaddress: [],
    enable_relay_hop: false,
    mdns_interval: '0s',
    replication_factor_min: net.ipfs.replicationFactorMin,
    replication_factor_max: net.ipfs.replicationFactorMax,
    // A peer that stops reporting (no ping within twice the interval) loses its allocations,
    // which go to another peer. Shorter than the default 15 s so a loss is noticed sooner.
    disable_repinning: false,
    monitor_ping_interval: '5s',
    peer_addresses: others.map(
      (h) => `${loopback(h.ipfs.clusterSwarmPort)}/p2p/${clusterPeerId(net, h)}`,
    ),
  });
  // Allocation uses the peers' informer metrics: broadcast them often enough that a peer that
  // just joined is a candidate within seconds.
  for (const informer of Object.values(c.informer)) informer.metric_ttl = '10s';
  c.consensus.crdt.cluster_name = 'ehr-ledger';
  // A peer that was unreachable catches up on the pins it missed at the next rebroadcast of the
  // state's heads: every 10 s instead of the default minute, so a returning hospital's peer
  // learns within seconds of a file added while it was gone (and can replicate it).
  c.consensus.crdt.rebroadcast_interval = '10s';
  c.consensus.crdt.trusted_peers = net.hospitals.map((h) => clusterPeerId(net, h));
  c.api.restapi.http_listen_multiaddress = loopback(org.ipfs.clusterApiPort);
  // Pins decide what stays stored: only the hospital's gateway (holding the password) may change them.
  c.api.restapi.basic_auth_credentials = { [CLUSTER_API_USER]: clusterApiPassword(net, org) };
  c.api.ipfsproxy.listen_multiaddress = loopback(org.ipfs.clusterProxyPort);
  c.api.ipfsproxy.node_multiaddress = loopback(org.ipfs.apiPort);
  // The pinning-service API is not used; without a port of its own in network.yaml it would
  // collide between peers, so it is left off.
  delete c.api.pinsvcapi;
  c.ipfs_connector.ipfshttp.node_multiaddress = loopback(org.ipfs.apiPort);
  writePrivateFile(file, JSON.stringify(c, null, 2));
  chmodSync(join(dir, 'identity.json'), 0o600);
}
