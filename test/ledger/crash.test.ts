// Crash test of devnet's ledger: under concurrent submits (Broadcast to the orderer, commit
// status from a peer's DeliverFiltered, which reports a block only after it is fsynced), devnet
// is killed with SIGKILL at a random moment and restarted. Every transaction reported VALID
// must then be in the state and the history, and the header hash chain must verify from block 0
// to the tip. It runs its own devnet process (own data directory and ports, throwaway
// certificates), so it can kill it and afterwards open the ledger files directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { peer } from '@hyperledger/fabric-protos';
import { dataPaths, loadNetwork, orgPaths, verifyBlockLink, type Network } from '@ehr/network';
import { DevnetLedger, SigningIdentity } from '@ehr/devnet';
import {
  BroadcastClient,
  buildTransaction,
  fetchBlocks,
  watchCommits,
  writeDevPki,
} from '@ehr/devnet/dist/src/testing';

const MAIN = require.resolve('@ehr/devnet/dist/src/main.js');
/** Beside the test stack's ports (which use EHR_PORT_OFFSET), never on them. */
const OFFSET = Number(process.env.EHR_PORT_OFFSET ?? 10000) + 20000;
const WORKERS = 16;

let net: Network;
let dataDir: string;
let child: ChildProcess | undefined;

function startDevnet(): ChildProcess {
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, EHR_DATA_DIR: dataDir, EHR_PORT_OFFSET: String(OFFSET) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return proc;
}

async function waitHealthy(proc: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`devnet exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${net.devnet.operationsPort}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('devnet did not become healthy');
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => proc.once('exit', () => r()));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ehr-crash-'));
  net = loadNetwork({ dataDir, portOffset: OFFSET });
  await writeDevPki(net);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps every transaction reported VALID across kill -9, with an intact hash chain', async () => {
  const [h1, h2] = net.hospitals;
  const id = (p: { signCert: string; privateKey: string }, mspId: string) =>
    SigningIdentity.fromFiles(mspId, p.signCert, p.privateKey);
  const client = id(orgPaths(net, h1).gatewayService!, h1.mspId);
  const endorsers = [id(orgPaths(net, h1).peer!, h1.mspId), id(orgPaths(net, h2).peer!, h2.mspId)];
  const peerAddress = `127.0.0.1:${h1.peer.port}`;
  const peerTls = orgPaths(net, h1).peer!.tlsCa;
  const ordererAddress = `127.0.0.1:${net.ordererOrg.orderer!.port}`;
  const ordererTls = orgPaths(net, net.ordererOrg).orderer!.tlsCa;

  child = startDevnet();
  await waitHealthy(child);

  const written = new Map<string, { key: string; value: string }>();
  const reportedValid = new Set<string>();
  const watcher = watchCommits(peerAddress, peerTls, client, net.channel, 1n, (txId, code) => {
    if (code === peer.TxValidationCode.VALID) reportedValid.add(txId);
  });
  let running = true;
  const worker = async (w: number) => {
    const broadcaster = new BroadcastClient(ordererAddress, ordererTls);
    try {
      for (let i = 0; running; i++) {
        const key = `crash-${w}-${i}`;
        const value = `${w}:${i}:${Date.now()}`;
        const t = buildTransaction({
          channel: net.channel,
          chaincode: net.chaincode.name,
          creator: client,
          endorsers,
          rw: { writes: [{ key, value }] },
        });
        written.set(t.txId, { key, value });
        await broadcaster.send(t.envelope);
      }
    } catch {
      // the orderer went away (killed): this worker stops
    } finally {
      broadcaster.close();
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  // A random moment once commits are flowing.
  while (reportedValid.size < 20) await sleep(10);
  await sleep(200 + Math.floor(Math.random() * 1500));
  child.kill('SIGKILL');
  await exited(child);
  running = false;
  await Promise.all(workers);
  watcher.close();
  const acknowledged = new Set(reportedValid);
  expect(acknowledged.size).toBeGreaterThanOrEqual(20);

  // Restart: recovery cuts a torn tail and replays blocks into state and history.
  child = startDevnet();
  await waitHealthy(child);
  const status = (await (
    await fetch(`http://127.0.0.1:${net.devnet.operationsPort}/status`)
  ).json()) as { height: string };
  const height = BigInt(status.height);
  const blocks = await fetchBlocks(peerAddress, peerTls, client, net.channel, 0n, height - 1n);
  expect(blocks).toHaveLength(Number(height));
  let previous: Buffer | undefined;
  for (const block of blocks) previous = verifyBlockLink(block, previous);

  child.kill('SIGTERM');
  await exited(child);
  child = undefined;

  const ledger = await DevnetLedger.open(join(dataPaths(net).devnet, 'ledger'));
  try {
    expect(ledger.height()).toBe(height);
    for (const txId of acknowledged) {
      const { key, value } = written.get(txId)!;
      expect((await ledger.transactionStatus(txId))?.code).toBe(peer.TxValidationCode.VALID);
      expect((await ledger.getState(net.chaincode.name, key))?.value.toString()).toBe(value);
      const history: string[] = [];
      for await (const h of ledger.history(net.chaincode.name, key)) history.push(h.txId);
      expect(history).toContain(txId);
    }
  } finally {
    await ledger.close();
  }
});
