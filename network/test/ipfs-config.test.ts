// The private-network properties of the generated Kubo and IPFS Cluster configurations, on
// minimal repositories (the real `ipfs init` output is exercised by the foundation suite).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork, type Network } from '../src/config';
import { writeClusterConfig, writeKuboConfig } from '../src/ipfs/config';
import { dataPaths } from '../src/layout';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('IPFS configuration', () => {
  let net: Network;
  beforeAll(() => {
    net = loadNetwork({ dataDir: mkdtempSync(join(tmpdir(), 'ehr-ipfs-')), portOffset: 0 });
    net.hospitals.forEach((h, i) => {
      const kubo = dataPaths(net).ipfs(h);
      const cluster = dataPaths(net).cluster(h);
      mkdirSync(kubo, { recursive: true });
      mkdirSync(cluster, { recursive: true });
      // What `ipfs init` / `ipfs-cluster-service init` write, reduced to what we rewrite.
      writeFileSync(
        join(kubo, 'config'),
        JSON.stringify({
          Identity: { PeerID: `kubo-${i}` },
          Bootstrap: ['auto'],
          Swarm: {},
          Ipns: {},
        }),
      );
      writeFileSync(join(cluster, 'identity.json'), JSON.stringify({ id: `cluster-${i}` }));
      writeFileSync(
        join(cluster, 'service.json'),
        JSON.stringify({
          cluster: { secret: 'init-secret', listen_multiaddress: ['/ip4/0.0.0.0/tcp/9096'] },
          consensus: { crdt: { trusted_peers: ['*'] } },
          informer: { disk: { metric_ttl: '30s' } },
          api: { restapi: {}, ipfsproxy: {}, pinsvcapi: {} },
          ipfs_connector: { ipfshttp: {} },
        }),
      );
    });
    net.hospitals.forEach((h) => {
      writeKuboConfig(net, h);
      writeClusterConfig(net, h);
    });
  });
  afterAll(() => rmSync(net.dataDir, { recursive: true, force: true }));

  const kubo = (i: number): Json =>
    JSON.parse(readFileSync(join(dataPaths(net).ipfs(net.hospitals[i]), 'config'), 'utf8'));
  const cluster = (i: number): Json =>
    JSON.parse(
      readFileSync(join(dataPaths(net).cluster(net.hospitals[i]), 'service.json'), 'utf8'),
    );

  it('Kubo listens on loopback only, knows no public peer and asks no outside service', () => {
    const c = kubo(0);
    const h = net.hospitals[0];
    expect(c.Addresses.Swarm).toEqual([`/ip4/127.0.0.1/tcp/${h.ipfs.swarmPort}`]);
    expect(c.Addresses.API).toBe(`/ip4/127.0.0.1/tcp/${h.ipfs.apiPort}`);
    expect(c.Addresses.Gateway).toBe(`/ip4/127.0.0.1/tcp/${h.ipfs.gatewayPort}`);
    expect(c.Bootstrap).toEqual([]);
    expect(c.Peering.Peers).toEqual([
      { ID: 'kubo-1', Addrs: [`/ip4/127.0.0.1/tcp/${net.hospitals[1].ipfs.swarmPort}`] },
    ]);
    expect(c.Discovery.MDNS.Enabled).toBe(false);
    expect(c.Routing).toEqual({ Type: 'none', DelegatedRouters: [] });
    expect(c.AutoConf.Enabled).toBe(false);
    expect(c.AutoNAT.ServiceMode).toBe('disabled');
    expect(c.Swarm.RelayClient.Enabled).toBe(false);
    expect(c.Swarm.RelayService.Enabled).toBe(false);
    expect(c.Plugins.Plugins.telemetry.Config.Mode).toBe('off');
    expect(JSON.stringify(c)).not.toContain('"auto"');
  });

  it('both Kubo nodes share one private swarm key, readable by the owner only', () => {
    const keys = net.hospitals.map((h) => join(dataPaths(net).ipfs(h), 'swarm.key'));
    const [a, b] = keys.map((k) => readFileSync(k, 'utf8'));
    expect(a).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/);
    expect(b).toBe(a);
    for (const k of keys) expect(statSync(k).mode & 0o777).toBe(0o600);
  });

  it('cluster peers share a fresh secret, trust each other only and replicate as network.yaml says', () => {
    const [a, b] = [cluster(0), cluster(1)];
    expect(a.cluster.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(a.cluster.secret).not.toBe('init-secret');
    expect(b.cluster.secret).toBe(a.cluster.secret);
    expect(a.consensus.crdt.trusted_peers).toEqual(['cluster-0', 'cluster-1']);
    expect(a.cluster.replication_factor_min).toBe(net.ipfs.replicationFactorMin);
    expect(a.cluster.replication_factor_max).toBe(net.ipfs.replicationFactorMax);
    expect(a.cluster.disable_repinning).toBe(false);
    expect(a.cluster.mdns_interval).toBe('0s');
    expect(a.cluster.listen_multiaddress).toEqual([
      `/ip4/127.0.0.1/tcp/${net.hospitals[0].ipfs.clusterSwarmPort}`,
    ]);
    expect(a.cluster.peer_addresses).toEqual([
      `/ip4/127.0.0.1/tcp/${net.hospitals[1].ipfs.clusterSwarmPort}/p2p/cluster-1`,
    ]);
    expect(a.api.pinsvcapi).toBeUndefined();
    expect(Object.keys(a.api.restapi.basic_auth_credentials)).toEqual(['ehr']);
    expect(a.api.restapi.basic_auth_credentials.ehr).not.toBe(
      b.api.restapi.basic_auth_credentials.ehr,
    );
  });
});
