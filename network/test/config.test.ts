import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork, parseDuration, NETWORK_DIR } from '../src/config';

describe('loadNetwork', () => {
  it('reads network.yaml with both hospitals and the orderer organisation', () => {
    const net = loadNetwork({ portOffset: 0 });
    expect(net.hospitals.map((h) => h.mspId)).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    expect(net.ordererOrg.mspId).toBe('OrdererMSP');
    expect(net.hospitals[0].gateway.port).toBe(8081);
  });

  it('has no port used twice', () => {
    const ports: number[] = [];
    const walk = (v: unknown, k = ''): void => {
      if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === 'object') Object.entries(v).forEach(([kk, vv]) => walk(vv, kk));
      else if (typeof v === 'number' && /port$/i.test(k)) ports.push(v);
    };
    walk(loadNetwork({ portOffset: 0 }).organizations);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('shifts every port by the offset', () => {
    const a = loadNetwork({ portOffset: 0 });
    const b = loadNetwork({ portOffset: 1000 });
    expect(b.hospitals[1].ipfs.clusterApiPort).toBe(a.hospitals[1].ipfs.clusterApiPort + 1000);
    expect(b.postgres.port).toBe(a.postgres.port + 1000);
    expect(b.ethereum.anvil.chainId).toBe(a.ethereum.anvil.chainId);
  });

  it('refuses a hospital without a gateway', () => {
    const dir = mkdtempSync(join(tmpdir(), 'net-'));
    const text = readFileSync(join(NETWORK_DIR, 'network.yaml'), 'utf8').replace(
      ['', 'gateway:', '  port: 8082', '  federationPort: 8092', '  database: ehr_hospital2', '']
        .map((l) => (l ? `    ${l}` : l))
        .join('\n'),
      '\n',
    );
    writeFileSync(join(dir, 'network.yaml'), text);
    expect(() => loadNetwork({ file: join(dir, 'network.yaml') })).toThrow(/Hospital2 needs/);
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('5m')).toBe(300000);
    expect(() => parseDuration('2h')).toThrow();
  });
});
