// Starts the real chaincode server (fabric-chaincode-node server, TLS) the way the supervisor
// does and checks it answers a TLS handshake with the hospital's CA; needs `tsc -b` first
// (the server loads dist/, like in production).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadNetwork, orgPaths } from '@ehr/network';
import { chaincodeServices, devnetPackageId, foundingMembersOf } from '../src/service';

// Above the whole port range of a stack at EHR_PORT_OFFSET (4101..9453 shifted), which may be
// running beside this test.
const offset = Number(process.env.EHR_PORT_OFFSET ?? 0) + 4000;

function selfSignedTls(cert: string, key: string, ca: string): void {
  mkdirSync(dirname(cert), { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=chaincode',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  execFileSync('cp', [cert, ca]);
}

describe('chaincode server service', () => {
  const net = loadNetwork({
    dataDir: mkdtempSync(join(tmpdir(), 'ehr-cc-')),
    portOffset: offset + 50,
  });
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

  it('defines one server per hospital with the package id devnet uses', async () => {
    const services = chaincodeServices(net);
    expect(services.map((s) => s.name)).toEqual(
      net.hospitals.map((h) => `chaincode-${h.name.toLowerCase()}`),
    );
    const spec = (await services[0]!.process())!;
    expect(spec.env).toMatchObject({
      CHAINCODE_ID: devnetPackageId(net),
      EHR_FOUNDING_MEMBERS: 'Hospital1MSP,Hospital2MSP',
    });
    expect(spec.args).toContain(`127.0.0.1:${net.hospitals[0]!.chaincodeServer.port}`);
  });

  it('founding members are the hospitals at deployment, never the candidates that join later', () => {
    expect(foundingMembersOf(net)).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    const joined = { ...net, hospitals: [...net.hospitals, ...net.candidateHospitals] };
    expect(foundingMembersOf(joined)).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    expect(chaincodeServices(joined, undefined, net.candidateHospitals).map((s) => s.name)).toEqual(
      net.candidateHospitals.map((h) => `chaincode-${h.name.toLowerCase()}`),
    );
  });

  it('refuses to prepare without the TLS identity from the CA bootstrap', async () => {
    await expect(chaincodeServices(net)[0]!.prepare!()).rejects.toThrow(/TLS file missing/);
  });

  it('starts the real server, which answers over TLS', async () => {
    const h = net.hospitals[0]!;
    const tls = orgPaths(net, h).chaincodeServer!;
    selfSignedTls(tls.tlsCert, tls.tlsKey, tls.tlsCa);
    const svc = chaincodeServices(net)[0]!;
    await svc.prepare!();
    expect(await svc.healthy()).toBe(false);
    const spec = (await svc.process())!;
    const child = spawn(spec.command, spec.args, {
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
      stdio: 'ignore',
    });
    children.push(child);
    // Polled until just inside the test's own limit: a loaded machine starts Node slowly.
    let healthy = false;
    for (const until = Date.now() + 25_000; Date.now() < until && !healthy;) {
      await new Promise((r) => setTimeout(r, 200));
      healthy = await svc.healthy();
    }
    expect(healthy).toBe(true);
    expect(child.exitCode).toBeNull();
  }, 30_000);
});
