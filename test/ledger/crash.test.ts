// Crash test of devnet's ledger. Clients submit concurrently through the real
// @hyperledger/fabric-gateway client (Endorse, Submit, then CommitStatus, which devnet answers only
// once the block is fsynced) to a real chaincode server; devnet is killed with SIGKILL at a
// random moment and restarted on the same data. Every transaction reported VALID must then be in
// the state and the history, and the header hash chain must verify from block 0 to the tip. It
// runs a devnet process of its own (own data and ports, throwaway certificates) so that it can
// kill it and afterwards open the ledger files directly.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { connect, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { dataPaths, orgPaths, verifyBlockLink } from '@ehr/network';
import { DevnetLedger, SigningIdentity } from '@ehr/devnet';
import { fetchBlocks, PrivateDevnet } from '@ehr/devnet/dist/src/testing';

const CLIENTS = 32;
let devnet: PrivateDevnet;

beforeAll(async () => {
  devnet = await PrivateDevnet.create({ portShift: 20000, chaincode: true });
});

afterAll(async () => {
  await devnet?.destroy();
});

function gatewayFor(): { gateway: Gateway; client: grpc.Client; contract: Contract } {
  const { net } = devnet;
  const h1 = net.hospitals[0];
  const id = orgPaths(net, h1).gatewayService!;
  const client = new grpc.Client(
    `127.0.0.1:${h1.peer.port}`,
    grpc.credentials.createSsl(readFileSync(orgPaths(net, h1).peer!.tlsCa)),
  );
  const gateway = connect({
    client,
    identity: { mspId: h1.mspId, credentials: readFileSync(id.signCert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(id.privateKey))),
  });
  return {
    gateway,
    client,
    contract: gateway.getNetwork(net.channel).getContract(net.testChaincode!.name),
  };
}

it('keeps every transaction reported VALID across kill -9, with an intact hash chain', async () => {
  const { net } = devnet;
  await devnet.start();
  const { gateway, client, contract } = gatewayFor();
  const written = new Map<string, { key: string; value: string }>();
  const reportedValid = new Set<string>();
  let running = true;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const key = `crash-${w}-${i}`;
      const value = `${w}:${i}`;
      try {
        const submitted = await contract.submitAsync('Put', { arguments: [key, value] });
        written.set(submitted.getTransactionId(), { key, value });
        const status = await submitted.getStatus();
        if (status.code === peer.TxValidationCode.VALID) reportedValid.add(status.transactionId);
      } catch {
        if (!running) return;
        await sleep(50); // devnet is down: this client stops at the next check
      }
    }
  };
  const workers = Array.from({ length: CLIENTS }, (_, w) => worker(w));
  while (reportedValid.size < 50) await sleep(10);
  await sleep(100 + Math.floor(Math.random() * 2000)); // a random moment under load
  await devnet.kill();
  running = false;
  await Promise.all(workers);
  gateway.close();
  client.close();
  const acknowledged = new Set(reportedValid);
  expect(acknowledged.size).toBeGreaterThanOrEqual(50);

  // Restart on the same data: recovery cuts a torn tail and replays blocks into state and history.
  await devnet.start();
  const height = BigInt((await devnet.status()).height);
  const h1 = net.hospitals[0];
  const reader = SigningIdentity.fromFiles(
    h1.mspId,
    orgPaths(net, h1).gatewayService!.signCert,
    orgPaths(net, h1).gatewayService!.privateKey,
  );
  const blocks = await fetchBlocks(
    `127.0.0.1:${h1.peer.port}`,
    orgPaths(net, h1).peer!.tlsCa,
    reader,
    net.channel,
    0n,
    height - 1n,
  );
  expect(blocks).toHaveLength(Number(height));
  let previous: Buffer | undefined;
  for (const block of blocks) previous = verifyBlockLink(block, previous);
  await devnet.stop();

  const ledger = await DevnetLedger.open(join(dataPaths(net).devnet, 'ledger'));
  try {
    expect(ledger.height()).toBe(height);
    const ns = net.testChaincode!.name;
    for (const txId of acknowledged) {
      const { key, value } = written.get(txId)!;
      expect((await ledger.transactionStatus(txId))?.code).toBe(peer.TxValidationCode.VALID);
      expect((await ledger.getState(ns, key))?.value.toString()).toBe(value);
      const history: string[] = [];
      for await (const h of ledger.history(ns, key)) history.push(h.txId);
      expect(history).toContain(txId);
    }
  } finally {
    await ledger.close();
  }
});
