import { loadNetwork } from '@ehr/network';
import { devnetPackageId } from '@ehr/chaincode/service';
import {
  builderConfig,
  chaincodePackage,
  chaincodeSpecs,
  connectionJson,
  fabricTestEnv,
  fabricTopology,
  parseOsnadmin,
} from '../src';

describe('CCaaS package', () => {
  it('templates the address so one package serves every hospital', () => {
    expect(connectionJson({ tls: false })).toEqual({
      address: '{{.address}}',
      dial_timeout: '10s',
      tls_required: false,
    });
    expect(connectionJson({ tls: true })).toMatchObject({
      tls_required: true,
      root_cert: '{{.root_cert}}',
    });
  });

  it('gives each peer its own hospital chaincode server', () => {
    const net = loadNetwork({ portOffset: 7000, dataDir: '/tmp/ehr-fabric-unit' });
    const topo = fabricTopology(net, {});
    const cfgs = topo.peers.map(
      (p) => JSON.parse(builderConfig(topo, p, { tls: false })) as Record<string, string>,
    );
    expect(cfgs.map((c) => c.address)).toEqual(
      net.hospitals.map((h) => `127.0.0.1:${h.chaincodeServer.port}`),
    );
    expect(cfgs.map((c) => c.test_address)).toEqual(
      net.hospitals.map((h) => `127.0.0.1:${h.chaincodeServer.testPort}`),
    );
  });

  it('installs the same package devnet runs, and a distinct one for the test contract', () => {
    const net = loadNetwork({ portOffset: 7000, dataDir: '/tmp/ehr-fabric-unit' });
    const [main, test] = chaincodeSpecs(net).map((cc) => chaincodePackage(cc, { tls: true }));
    expect(main!.packageId).toBe(devnetPackageId(net));
    expect(test!.packageId).toMatch(/^ledgertest_1\.0:[0-9a-f]{64}$/);
    expect(fabricTestEnv(net)).toEqual({ EHR_LEDGERTEST_CHAINCODE_ID: test!.packageId });
  });
});

describe('osnadmin output', () => {
  it('reads the status and body', () => {
    expect(parseOsnadmin('Status: 201\n{\n\t"name": "ehr",\n\t"height": 1\n}\n')).toEqual({
      status: 201,
      body: { name: 'ehr', height: 1 },
    });
    expect(parseOsnadmin('Status: 404\n{"error":"channel does not exist"}').status).toBe(404);
  });
});
