// The command line of a chaincode server (`fabric-chaincode-node server`, CCaaS): one builder for
// the system's chaincode (chaincode/src/service.ts) and the test contract (network.yaml
// `testChaincode`, test/ledger/contract), which the conformance suites and the private ledgers
// (devnet's and real Fabric's) start on each hospital's test port.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, type Hospital, type Network } from '../config';
import { orgPaths } from '../layout';

/** The shim's arguments: serve `modulePath` as `chaincodeId` on `address` with the hospital's TLS identity. */
export function chaincodeServerArgs(
  net: Network,
  h: Hospital,
  opts: { shim: string; address: string; chaincodeId: string; modulePath: string },
): string[] {
  const tls = orgPaths(net, h).chaincodeServer!;
  return [
    opts.shim,
    'server',
    '--chaincode-address',
    opts.address,
    '--chaincode-id',
    opts.chaincodeId,
    '--chaincode-tls-cert-file',
    tls.tlsCert,
    '--chaincode-tls-key-file',
    tls.tlsKey,
    '--module-path',
    opts.modulePath,
  ];
}

export function testChaincodeServerProcess(
  net: Network,
  h: Hospital,
  chaincodeId: string,
): { command: string; args: string[]; env: Record<string, string> } {
  const shim = createRequire(join(REPO_ROOT, 'chaincode', 'package.json')).resolve(
    'fabric-shim/cli.js',
  );
  return {
    command: process.execPath,
    args: chaincodeServerArgs(net, h, {
      shim,
      address: `127.0.0.1:${h.chaincodeServer.testPort}`,
      chaincodeId,
      modulePath: join(REPO_ROOT, 'test', 'ledger', 'contract'),
    }),
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'warning' },
  };
}
