// `npm run devnet -- status`: what the running devnet reports on its operations endpoint.
import { loadNetwork } from '@ehr/network';
import { fetchDevnetStatus } from '@ehr/devnet';

export async function devnetCommand(args: string[]): Promise<number> {
  const [sub = 'status'] = args;
  if (sub !== 'status') {
    console.error(`unknown devnet command "${sub}"; known: status`);
    return 2;
  }
  const net = loadNetwork();
  let status: Record<string, unknown>;
  try {
    status = await fetchDevnetStatus(net);
  } catch (e) {
    console.error(
      `devnet is not answering on 127.0.0.1:${net.devnet.operationsPort}: ${(e as Error).message}`,
    );
    return 1;
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(status, null, 2));
    return 0;
  }
  const s = status as {
    channel: string;
    height: string;
    lastConfigBlock: string;
    transactionsByCode: Record<string, number>;
    orderer: { address: string };
    peers: { organization: string; mspId: string; address: string }[];
    chaincodeConnections?: {
      organization: string;
      chaincode: string;
      state: string;
      connects: number;
    }[];
  };
  console.log(`channel ${s.channel}: height ${s.height} (last config block ${s.lastConfigBlock})`);
  console.log('transactions by validation code:');
  for (const [code, n] of Object.entries(s.transactionsByCode).sort())
    console.log(`  ${code.padEnd(28)} ${n}`);
  console.log(`orderer ${s.orderer.address}`);
  console.log('peers:');
  for (const p of s.peers)
    console.log(`  ${p.organization.padEnd(12)} ${p.mspId.padEnd(16)} ${p.address}`);
  if (s.chaincodeConnections) {
    console.log('chaincode connections:');
    for (const c of s.chaincodeConnections) {
      console.log(
        `  ${c.organization.padEnd(16)} ${c.chaincode.padEnd(12)} ${c.state} (connected ${c.connects}×)`,
      );
    }
  }
  return 0;
}
