// The chaincode servers the supervisor runs: one `fabric-chaincode-node server` per hospital
// (Chaincode-as-a-Service), listening on the hospital's chaincodeServer port with the TLS
// identity from the layout. devnet and real Fabric peers dial the same servers; only where the
// package id comes from differs (real Fabric: the deployed package, via a binding).
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { dirname, join } from 'node:path';
import {
  caServiceName,
  chaincodeServerArgs,
  orgPaths,
  type Hospital,
  type Network,
  type ServiceDefinition,
} from '@ehr/network';
import { ccaasPackage, connectionTemplate, packageLabel } from './packaging';

/** Where a chaincode server gets its CHAINCODE_ID and what it waits for (real Fabric). */
export interface ChaincodeBinding {
  dependsOn: string[];
  packageId(): Promise<string>;
}

export const chaincodeServiceName = (h: Hospital) => `chaincode-${h.name.toLowerCase()}`;

/** The chaincode workspace (package.json's main is what the server loads). */
const CHAINCODE_DIR = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'service.ts')))
      return dir;
  }
  throw new Error(`chaincode workspace not found above ${__dirname}`);
})();

/** The package id devnet uses: the same CCaaS package real Fabric installs, computed in Node. */
export function devnetPackageId(net: Network): string {
  return ccaasPackage(
    packageLabel(net.chaincode.name, net.chaincode.version),
    connectionTemplate(true),
  ).packageId;
}

/**
 * The founding hospitals: those of network.yaml's organizations that are not candidates. Fixed at
 * deployment and the same on every server (a hospital that joins later is admitted on the
 * ledger by the members, see contracts/hospitals.ts), so it never changes when one joins.
 */
export function foundingMembersOf(net: Network): string[] {
  const candidates = new Set(net.candidateHospitals.map((c) => c.mspId));
  return net.hospitals
    .map((h) => h.mspId)
    .filter((m) => !candidates.has(m))
    .sort();
}

/** What the server process needs: address, id, TLS files and the founding members. */
export function chaincodeServerProcess(net: Network, h: Hospital, chaincodeId: string) {
  const address = `127.0.0.1:${h.chaincodeServer.port}`;
  return {
    command: process.execPath,
    args: chaincodeServerArgs(net, h, {
      shim: require.resolve('fabric-shim/cli.js'),
      address,
      chaincodeId,
      modulePath: CHAINCODE_DIR,
    }),
    env: {
      CHAINCODE_SERVER_ADDRESS: address,
      CHAINCODE_ID: chaincodeId,
      // Identical on every hospital's server, or endorsements differ (see config.ts).
      EHR_FOUNDING_MEMBERS: foundingMembersOf(net).join(','),
      CORE_CHAINCODE_LOGGING_LEVEL: 'info',
    },
    cwd: CHAINCODE_DIR,
  };
}

/** Healthy when a TLS handshake with the server succeeds against the hospital's TLS CA. */
function tlsAnswers(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(ok);
    };
    const socket = connect(
      {
        host: '127.0.0.1',
        port,
        ca: readFileSync(ca),
        servername: 'localhost',
        ALPNProtocols: ['h2'],
      },
      () => done(true),
    );
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
  });
}

/** One server per hospital: network.yaml's, or those given (e.g. a hospital that just joined). */
export function chaincodeServices(
  net: Network,
  binding?: ChaincodeBinding,
  hospitals: Hospital[] = net.hospitals,
): ServiceDefinition[] {
  return hospitals.map((h): ServiceDefinition => {
    const tls = orgPaths(net, h).chaincodeServer!;
    return {
      name: chaincodeServiceName(h),
      dependsOn: binding?.dependsOn ?? [caServiceName(h)],
      async prepare() {
        for (const f of [tls.tlsCert, tls.tlsKey, tls.tlsCa]) {
          if (!existsSync(f))
            throw new Error(`chaincode server TLS file missing: ${f} (run the CA bootstrap first)`);
        }
      },
      process: async () =>
        chaincodeServerProcess(net, h, binding ? await binding.packageId() : devnetPackageId(net)),
      healthy: () => tlsAnswers(h.chaincodeServer.port, tls.tlsCa),
      summary: () => [`chaincode server of ${h.name}: 127.0.0.1:${h.chaincodeServer.port}`],
    };
  });
}
