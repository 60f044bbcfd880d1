// The supervisor's Anvil service definition, run as the supervisor would run it: healthy only
// when the chain answers with network.yaml's chain id, mines a transaction, and keeps the chain
// across a restart through its state file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anvilRpcUrl, anvilService, anvilStateFile, loadNetwork, type Network } from '@ehr/network';
import { JsonRpcProvider, Network as EthNetwork, Wallet, parseEther } from 'ethers';
import { devKey } from '../src/chain';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let net: Network;
let dataDir: string;
let child: ChildProcess | undefined;

async function start(): Promise<void> {
  const service = anvilService(net);
  await service.prepare?.();
  const spec = await service.process();
  if (!spec) throw new Error('anvil must run a process');
  child = spawn(spec.command, spec.args, { stdio: 'ignore', env: { ...process.env, ...spec.env } });
  for (let i = 0; i < 200 && !(await service.healthy()); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await service.healthy()).toBe(true);
}

async function stop(): Promise<void> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ehr-anvil-'));
  net = loadNetwork({ dataDir });
  net.ethereum.anvil.port = await freePort();
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('is not healthy before it runs', async () => {
  expect(await anvilService(net).healthy()).toBe(false);
});

test('Anvil mines a transaction, and a restart keeps the chain', async () => {
  await start();
  const provider = new JsonRpcProvider(anvilRpcUrl(net), undefined, {
    staticNetwork: EthNetwork.from(net.ethereum.anvil.chainId),
    pollingInterval: 50,
    cacheTimeout: -1,
  });
  const sender = new Wallet(devKey(0), provider);
  const tx = await sender.sendTransaction({
    to: new Wallet(devKey(9)).address,
    value: parseEther('1.5'),
  });
  const receipt = await tx.wait();
  expect(receipt?.status).toBe(1);
  const mined = receipt?.blockNumber as number;
  expect(mined).toBeGreaterThan(0);
  provider.destroy();

  await stop();
  expect(existsSync(anvilStateFile(net))).toBe(true);
  await start();
  const again = new JsonRpcProvider(anvilRpcUrl(net), undefined, {
    staticNetwork: EthNetwork.from(net.ethereum.anvil.chainId),
    cacheTimeout: -1,
  });
  expect(await again.getBlockNumber()).toBeGreaterThanOrEqual(mined);
  expect((await again.getTransactionReceipt(tx.hash))?.blockNumber).toBe(mined);
  expect(await again.getBalance(new Wallet(devKey(9)).address)).toBe(parseEther('10001.5'));
  again.destroy();
  await stop();
});

test('an unreadable state file is set aside instead of keeping Anvil from starting', async () => {
  writeFileSync(anvilStateFile(net), '{"block": trunc');
  await start();
  await stop();
  expect(
    readdirSync(join(dataDir, 'anvil')).some((f) => f.startsWith('state.json.unreadable-')),
  ).toBe(true);
});
