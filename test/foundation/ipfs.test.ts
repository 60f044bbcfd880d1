// The private IPFS network: a file added through Hospital1's cluster peer is pinned on both
// peers and readable from Hospital2's Kubo node; the nodes talk to each other on loopback only.
import { randomBytes } from 'node:crypto';
import { IpfsClusterClient, kuboCat, kuboPeerId } from '@ehr/network';
import { testNetwork, testStackStatus, waitFor } from '../support';

const net = testNetwork();
const [h1, h2] = net.hospitals;

describe('IPFS Cluster', () => {
  it('replicates a file added at Hospital1 to both peers; Hospital2 reads it', async () => {
    const c1 = new IpfsClusterClient(net, h1);
    const c2 = new IpfsClusterClient(net, h2);
    // Allocation needs the peers' metrics: wait until each peer sees both.
    await waitFor(
      'both cluster peers to see each other',
      async () => (await c1.peers()).length >= 2 && (await c2.peers()).length >= 2,
    );
    const data = randomBytes(300_000); // several blocks
    const cid = await c1.add(data, 'scan.bin');
    await waitFor('the pin on 2 peers', async () => (await c1.pinnedOn(cid)) >= 2);
    const status = await c2.status(cid);
    expect(Object.values(status.peers).map((p) => p.status)).toEqual(['pinned', 'pinned']);
    expect((await kuboCat(h2, cid)).equals(data)).toBe(true);
  });

  it("accepts a file while Hospital2's peer is down and replicates it there when it returns", async () => {
    const c1 = new IpfsClusterClient(net, h1);
    const peer2 = (await testStackStatus())!.services.find((s) => s.name === 'cluster-hospital2')!;
    // A frozen process: alive for the supervisor, silent for the cluster (no pings).
    process.kill(peer2.pid!, 'SIGSTOP');
    try {
      // Each wait within the test's own limit, so that a failure names the step that hung.
      await waitFor(
        'Hospital1 to see Hospital2 as gone',
        async () => (await c1.livePeers()).length === 1,
        30_000,
      );
      const data = randomBytes(50_000);
      const cid = await c1.add(data, 'while-down.bin');
      await waitFor('the pin on Hospital1', async () => (await c1.pinnedOn(cid)) >= 1);
      process.kill(peer2.pid!, 'SIGCONT');
      await waitFor('the pin on both peers', async () => (await c1.pinnedOn(cid)) >= 2, 75_000);
      const pin = (await c1.pins()).find((p) => p.cid === cid)!;
      expect(pin.replicationFactorMin).toBe(net.ipfs.replicationFactorMin); // restored after the repair
      expect(pin.allocations).toHaveLength(2);
      expect((await kuboCat(h2, cid)).equals(data)).toBe(true);
    } finally {
      process.kill(peer2.pid!, 'SIGCONT');
    }
  });

  it('refuses cluster API calls without the password', async () => {
    const res = await fetch(`http://127.0.0.1:${h1.ipfs.clusterApiPort}/pins`);
    expect(res.status).toBe(401);
  });

  it('Kubo nodes are connected to each other over loopback and to nobody else', async () => {
    const peers = await waitFor('Hospital1 Kubo to be connected to Hospital2', async () => {
      const res = await fetch(`http://127.0.0.1:${h1.ipfs.apiPort}/api/v0/swarm/peers`, {
        method: 'POST',
      });
      const body = (await res.json()) as { Peers: { Peer: string; Addr: string }[] | null };
      return body.Peers?.length ? body.Peers : undefined;
    });
    const others = net.hospitals.filter((h) => h !== h1).map((h) => kuboPeerId(net, h));
    for (const p of peers) {
      expect(others).toContain(p.Peer);
      expect(p.Addr).toMatch(/^\/ip4\/127\.0\.0\.1\//);
    }
  });
});
