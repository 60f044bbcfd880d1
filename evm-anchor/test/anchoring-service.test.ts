// The anchoring service against a real Anvil and blocks built in the test: anchors the newest
// block every N blocks or T ms, never at or below the contract's latest anchor, refuses a chain
// that does not check out, and retries with back-off.
import { headerHashOf } from '@ehr/network';
import { JsonRpcProvider, Network, Wallet } from 'ethers';
import { devKey } from '../src/chain';
import { AnchorContract } from '../src/contract/anchor-contract';
import type { BlockSource } from '../src/fabric/deliver';
import {
  AnchoringService,
  LedgerDivergedError,
  type AnchoringOptions,
} from '../src/service/anchoring-service';
import { startTestAnvil, type TestAnvil } from './support/anvil';
import { copyBlock, TestChain } from './support/fabric-chain';

let anvil: TestAnvil;
let provider: JsonRpcProvider;
let owner: Wallet, h1: Wallet, h2: Wallet;

beforeAll(async () => {
  anvil = await startTestAnvil();
  provider = new JsonRpcProvider(anvil.url, undefined, {
    staticNetwork: Network.from(anvil.chainId),
    pollingInterval: 50,
    cacheTimeout: -1,
  });
  [owner, h1, h2] = [0, 1, 2].map((i) => new Wallet(devKey(i), provider));
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

async function freshContract(): Promise<AnchorContract> {
  const { contract } = await AnchorContract.deploy(owner);
  await contract.setAnchorer('Hospital1MSP', h1.address);
  await contract.setAnchorer('Hospital2MSP', h2.address);
  return contract;
}

const options = (o: Partial<AnchoringOptions> = {}): AnchoringOptions => ({
  channel: 'ehr',
  everyBlocks: 3,
  everyMs: 60_000,
  pollMs: 5,
  backoff: { initialMs: 5, maxMs: 20 },
  ...o,
});

const hashOf = (chain: TestChain, n: number) =>
  `0x${headerHashOf(chain.blocks[n]).toString('hex')}`;

test('anchors the newest block at once, then every N blocks, with the header hash of that block', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  chain.appendTransactions();
  chain.appendTransactions();
  const service = new AnchoringService(
    chain.source(),
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );

  expect(await service.tick()).toMatchObject({
    action: 'anchored',
    blockNumber: 2n,
    headerHash: hashOf(chain, 2),
  });
  expect(await service.tick()).toMatchObject({
    action: 'waiting',
    reason: 'no block after the last anchor',
  });
  chain.appendTransactions();
  chain.appendTransactions();
  expect(await service.tick()).toMatchObject({
    action: 'waiting',
    reason: expect.stringMatching(/^2 of 3 blocks/),
  });
  chain.appendTransactions();
  expect(await service.tick()).toMatchObject({ action: 'anchored', blockNumber: 5n });

  const history = await contract.anchors('ehr');
  expect(history.map((a) => [a.blockNumber, a.headerHash, a.member])).toEqual([
    [2n, hashOf(chain, 2), 'Hospital1MSP'],
    [5n, hashOf(chain, 5), 'Hospital1MSP'],
  ]);
  expect(service.status.checkedHeight).toBe('6');
});

test('anchors after T even with fewer than N new blocks, but never without a new block', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  let offset = 0;
  const service = new AnchoringService(
    chain.source(),
    contract.connect(h1),
    provider,
    options({ everyBlocks: 100 }),
    'Hospital1MSP',
    undefined,
    () => Date.now() + offset,
  );
  expect(await service.tick()).toMatchObject({ action: 'anchored', blockNumber: 0n });
  offset = 120_000;
  expect(await service.tick()).toMatchObject({
    action: 'waiting',
    reason: 'no block after the last anchor',
  });
  chain.appendTransactions();
  offset = 0;
  expect(await service.tick()).toMatchObject({ action: 'waiting' });
  offset = 61_000;
  expect(await service.tick()).toMatchObject({ action: 'anchored', blockNumber: 1n });
});

test('never anchors at or below what another member anchored, and checks that anchor', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  for (let i = 0; i < 4; i++) chain.appendTransactions();
  await contract.connect(h2).anchor('ehr', 4n, hashOf(chain, 4));
  const service = new AnchoringService(
    chain.source(),
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );
  expect(await service.tick()).toMatchObject({ action: 'waiting', lastAnchored: 4n });
  chain.appendTransactions();
  chain.appendTransactions();
  // Hospital2 anchors block 6 meanwhile: our service sees it and does not go back to 5 or 6.
  await contract.connect(h2).anchor('ehr', 6n, hashOf(chain, 6));
  expect(await service.tick()).toMatchObject({ action: 'waiting', lastAnchored: 6n });
  expect((await contract.latest('ehr')).count).toBe(2);
});

test('waits for a peer that is behind the latest anchor, then checks that anchor once it has the block', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  for (let i = 0; i < 4; i++) chain.appendTransactions();
  await contract.connect(h2).anchor('ehr', 4n, hashOf(chain, 4));
  // The peer has only blocks 0..2 so far.
  let visible = 3;
  const lagging: BlockSource = {
    newest: async () => chain.blocks[visible - 1],
    blocks: (s, e) => chain.source().blocks(s, e),
    close: () => undefined,
  };
  const service = new AnchoringService(
    lagging,
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );
  expect(await service.tick()).toMatchObject({ action: 'waiting', lastAnchored: 4n });
  visible = 5;
  expect(await service.tick()).toMatchObject({ action: 'waiting', lastAnchored: 4n, newest: 4n });

  // Had block 4 differed from its anchor, the tick that reached it would have refused.
  const altered = chain.source((b) =>
    b.getHeader()!.getNumber() === 4 ? copyBlockWithByteFlipped(b) : b,
  );
  const forged = new AnchoringService(
    { ...lagging, blocks: (s, e) => altered.blocks(s, e) },
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );
  visible = 3;
  expect(await forged.tick()).toMatchObject({ action: 'waiting' });
  visible = 5;
  await expect(forged.tick()).rejects.toThrow(/block 4/);
});

function copyBlockWithByteFlipped(b: ReturnType<typeof copyBlock>) {
  const copy = copyBlock(b);
  const data = copy
    .getData()!
    .getDataList_asU8()
    .map((d) => Buffer.from(d));
  data[0][data[0].length - 1] ^= 0xff;
  copy.getData()!.setDataList(data);
  return copy;
}

test("checks another member's anchor of a block older than the kept hashes by reading it again", async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  for (let i = 0; i < 5; i++) chain.appendTransactions();
  await contract.connect(h2).anchor('ehr', 0n, hashOf(chain, 0));
  // Keeps the hashes of the 2 newest blocks only, and is not due to anchor itself.
  const service = new AnchoringService(
    chain.source(),
    contract.connect(h1),
    provider,
    options({ recentWindow: 2, everyBlocks: 100 }),
    'Hospital1MSP',
  );
  expect(await service.tick()).toMatchObject({ action: 'waiting', newest: 5n });
  // Hospital2 now anchors block 1, long followed and out of the window: read again, it matches.
  await contract.connect(h2).anchor('ehr', 1n, hashOf(chain, 1));
  expect(await service.tick()).toMatchObject({ action: 'waiting', lastAnchored: 1n });
  // A wrong hash for block 2 is caught the same way.
  await contract.connect(h2).anchor('ehr', 2n, hashOf(chain, 3));
  await expect(service.tick()).rejects.toThrow(/block 2 has header hash .* its anchor says/);
});

test('refuses to anchor when the peer serves a chain that differs from an anchor or does not check out', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  for (let i = 0; i < 3; i++) chain.appendTransactions();
  await contract.connect(h2).anchor('ehr', 2n, hashOf(chain, 2));
  // A peer whose block 2 was altered: the data hash no longer matches.
  const altered: BlockSource = chain.source((b) => {
    if (b.getHeader()!.getNumber() !== 2) return b;
    const copy = copyBlock(b);
    const data = copy
      .getData()!
      .getDataList_asU8()
      .map((d) => Buffer.from(d));
    data[0][data[0].length - 1] ^= 0xff;
    copy.getData()!.setDataList(data);
    return copy;
  });
  const service = new AnchoringService(
    altered,
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );
  await expect(service.tick()).rejects.toThrow(LedgerDivergedError);
  await expect(service.tick()).rejects.toThrow(/block 2/);

  // A wrong anchor recorded by another member is caught too.
  const contract2 = await freshContract();
  await contract2.connect(h2).anchor('ehr', 1n, `0x${'11'.repeat(32)}`);
  const service2 = new AnchoringService(
    chain.source(),
    contract2.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
  );
  await expect(service2.tick()).rejects.toThrow(
    /block 1 has header hash .* its anchor says 0x1111/,
  );
  expect((await contract2.latest('ehr')).count).toBe(1);
});

test('retries with back-off while the peer is down, then anchors', async () => {
  const contract = await freshContract();
  const { chain } = await TestChain.create();
  chain.appendTransactions();
  const healthy = chain.source();
  let failuresLeft = 3;
  const flaky: BlockSource = {
    newest: () =>
      failuresLeft-- > 0 ? Promise.reject(new Error('UNAVAILABLE: peer down')) : healthy.newest(),
    blocks: (s, e) => healthy.blocks(s, e),
    close: () => undefined,
  };
  const statuses: number[] = [];
  const service = new AnchoringService(
    flaky,
    contract.connect(h1),
    provider,
    options(),
    'Hospital1MSP',
    (s) => statuses.push(s.failures),
  );
  const stop = new AbortController();
  const running = service.run(stop.signal);
  for (let i = 0; i < 400 && (await contract.latest('ehr')).count === 0; i++)
    await new Promise((r) => setTimeout(r, 25));
  stop.abort();
  await running;
  expect(statuses.slice(0, 3)).toEqual([1, 2, 3]);
  expect(service.status.lastError?.message).toMatch(/peer down/);
  expect(service.status.failures).toBe(0);
  expect(service.status.lastAnchor?.blockNumber).toBe('1');
});
