// The test contract's chaincode server (network.yaml `testChaincode`, test/ledger/contract): what
// the private ledgers of the conformance suites (devnet's and real Fabric's) start for each
// hospital, on the hospital's test port with its chaincode-server TLS identity.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, type Hospital, type Network } from '../config';
import { orgPaths } from '../layout';

export function testChaincodeServerProcess(
  net: Network,
  h: Hospital,
  chaincodeId: string,
): { command: string; args: string[]; env: Record<string, string> } {
  const shim = createRequire(join(REPO_ROOT, 'chaincode', 'package.json')).resolve(
    'fabric-shim/cli.js',
  );
  const tls = orgPaths(net, h).chaincodeServer!;
  return {
    command: process.execPath,
    args: [
      shim,
      'server',
      '--chaincode-address',
      `127.0.0.1:${h.chaincodeServer.testPort}`,
      '--chaincode-id',
      chaincodeId,
      '--chaincode-tls-cert-file',
      tls.tlsCert,
      '--chaincode-tls-key-file',
      tls.tlsKey,
      '--module-path',
      join(REPO_ROOT, 'test', 'ledger', 'contract'),
    ],
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'warning' },
  };
}
