import { loadNetwork } from '@ehr/network';
import {
  byteSize,
  CCAAS_BUILDER_CONFIG_ENV,
  CHANNEL_PROFILE,
  configtx,
  coreYaml,
  fabricTopology,
  ordererCount,
  ordererYaml,
} from '../src';

/** A value inside a generated YAML document, by dotted path. */
const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce((v: unknown, k) => (v as Record<string, unknown>)[k], o);

const net = loadNetwork({ portOffset: 7000, dataDir: '/tmp/ehr-fabric-unit' });

describe('fabric topology from network.yaml', () => {
  it('runs one orderer by default and three with FABRIC_ORDERERS=3, on distinct shifted ports', () => {
    expect(fabricTopology(net, {}).orderers).toHaveLength(1);
    const three = fabricTopology(net, { FABRIC_ORDERERS: '3' }).orderers;
    expect(three.map((o) => o.name)).toEqual(['orderer0', 'orderer1', 'orderer2']);
    const ports = three.flatMap((o) => [o.port, o.adminPort, o.operationsPort]);
    expect(new Set(ports).size).toBe(ports.length);
    expect(three[0]!.port).toBe(net.ordererOrg.orderer!.port);
    expect(three[1]!.identity.tlsCert).toContain('/orderers/orderer1/tls/');
  });

  it('refuses an orderer count Raft cannot use', () => {
    expect(() => ordererCount({ FABRIC_ORDERERS: '2' })).toThrow(/1 or 3/);
  });

  it('gives each hospital one peer on its fabric ports, never on devnet ports', () => {
    const topo = fabricTopology(net, {});
    expect(topo.peers.map((p) => p.org.name)).toEqual(net.hospitals.map((h) => h.name));
    for (const p of topo.peers) {
      expect(p.port).toBe(p.org.peer.fabricPort);
      expect(p.port).not.toBe(p.org.peer.port);
      expect(p.dataDir.startsWith('/tmp/ehr-fabric-unit/fabric/')).toBe(true);
    }
  });
});

describe('configtx.yaml', () => {
  const topo = fabricTopology(net, { FABRIC_ORDERERS: '3' });
  const profile = at(configtx(topo), `Profiles.${CHANNEL_PROFILE}`);

  it('lists every orderer as a Raft consenter with its TLS certificate', () => {
    expect(at(profile, 'Orderer.OrdererType')).toBe('etcdraft');
    expect(at(profile, 'Orderer.EtcdRaft.Consenters')).toEqual(
      topo.orderers.map((o) => ({
        Host: '127.0.0.1',
        Port: o.port,
        ClientTLSCert: o.identity.tlsCert,
        ServerTLSCert: o.identity.tlsCert,
      })),
    );
    expect(at(profile, 'Orderer.Organizations.0.OrdererEndpoints')).toHaveLength(3);
  });

  it('takes batch settings from network.yaml', () => {
    expect(at(profile, 'Orderer.BatchTimeout')).toBe(net.ordering.batchTimeout);
    expect(at(profile, 'Orderer.BatchSize.MaxMessageCount')).toBe(net.ordering.maxMessageCount);
    expect(at(profile, 'Orderer.BatchSize.AbsoluteMaxBytes')).toBe('10 MB');
    expect(byteSize(2097152)).toBe('2 MB');
    expect(byteSize(1536)).toBe('1536');
  });

  it('sets each hospital with its anchor peer and role-based policies', () => {
    const orgs = at(profile, 'Application.Organizations') as unknown[];
    expect(orgs.map((o) => at(o, 'ID'))).toEqual(net.hospitals.map((h) => h.mspId));
    expect(at(orgs[0], 'AnchorPeers')).toEqual([
      { Host: '127.0.0.1', Port: net.hospitals[0]!.peer.fabricPort },
    ]);
    expect(at(orgs[0], 'Policies.Admins.Rule')).toBe(`OR('${net.hospitals[0]!.mspId}.admin')`);
    expect(at(orgs[0], 'Policies.Endorsement.Rule')).toBe(`OR('${net.hospitals[0]!.mspId}.peer')`);
    expect(at(profile, 'Application.Policies.Admins')).toEqual({
      Type: 'ImplicitMeta',
      Rule: 'MAJORITY Admins',
    });
    expect(at(profile, 'Capabilities')).toEqual({ V3_0: true });
  });
});

describe('core.yaml', () => {
  const topo = fabricTopology(net, {});
  const peer = topo.peers[1]!;
  const core = coreYaml(peer, { ccaasBuilderDir: '/opt/fabric/ccaas' });

  it('listens on 127.0.0.1 with TLS, the Gateway service and LevelDB', () => {
    expect(at(core, 'peer.listenAddress')).toBe(`127.0.0.1:${peer.port}`);
    expect(at(core, 'peer.chaincodeListenAddress')).toBe(
      `127.0.0.1:${peer.org.peer.fabricChaincodePort}`,
    );
    expect(at(core, 'operations.listenAddress')).toBe(
      `127.0.0.1:${peer.org.peer.fabricOperationsPort}`,
    );
    expect(at(core, 'peer.tls.enabled')).toBe(true);
    expect(at(core, 'peer.tls.cert.file')).toBe(peer.identity.tlsCert);
    expect(at(core, 'peer.gateway.enabled')).toBe(true);
    expect(at(core, 'ledger.state.stateDatabase')).toBe('goleveldb');
  });

  it('points the CCaaS external builder at the real directory and passes its configuration', () => {
    expect(at(core, 'chaincode.externalBuilders')).toEqual([
      {
        name: 'ccaas',
        path: '/opt/fabric/ccaas',
        propagateEnvironment: [CCAAS_BUILDER_CONFIG_ENV],
      },
    ]);
    expect(at(core, 'vm.endpoint')).toBe('');
  });

  it('gossips only with peers that exist', () => {
    expect(at(core, 'peer.gossip.bootstrap')).toBe(`127.0.0.1:${peer.port}`);
    expect(at(core, 'peer.gossip.externalEndpoint')).toBe(`127.0.0.1:${peer.port}`);
  });
});

describe('orderer.yaml', () => {
  const o = fabricTopology(net, { FABRIC_ORDERERS: '3' }).orderers[2]!;
  const y = ordererYaml(o);
  it('needs no system channel and guards its admin endpoint with mutual TLS', () => {
    expect(at(y, 'General.ListenPort')).toBe(o.port);
    expect(at(y, 'General.BootstrapMethod')).toBeUndefined();
    expect(at(y, 'ChannelParticipation.Enabled')).toBe(true);
    expect(at(y, 'Admin.ListenAddress')).toBe(`127.0.0.1:${o.adminPort}`);
    expect(at(y, 'Admin.TLS')).toMatchObject({ Enabled: true, ClientAuthRequired: true });
    expect(String(at(y, 'FileLedger.Location')).startsWith(o.dataDir)).toBe(true);
  });
});
