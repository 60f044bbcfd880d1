// The anchor contract on a real Anvil: who may anchor, owner management, strictly increasing
// block numbers per channel, events, the latest view, the anchor history, and gas per anchor.
import { JsonRpcProvider, Network, Wallet, type TransactionReceipt } from 'ethers';
import { AnchorContract } from '../src/contract/anchor-contract';
import { devKey } from '../src/chain';
import { startTestAnvil, type TestAnvil } from './support/anvil';

let anvil: TestAnvil;
let provider: JsonRpcProvider;
let owner: Wallet, h1: Wallet, h2: Wallet, stranger: Wallet, h1New: Wallet, newOwner: Wallet;
let contract: AnchorContract;

const hash = (byte: number) => `0x${byte.toString(16).padStart(2, '0').repeat(32)}`;

async function reverts(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return contract.revertName(e) ?? (e as Error).message;
  }
  throw new Error('expected a revert');
}

beforeAll(async () => {
  anvil = await startTestAnvil();
  provider = new JsonRpcProvider(anvil.url, undefined, {
    staticNetwork: Network.from(anvil.chainId),
    pollingInterval: 50,
    cacheTimeout: -1,
  });
  [owner, h1, h2, stranger, h1New, newOwner] = [0, 1, 2, 7, 3, 4].map(
    (i) => new Wallet(devKey(i), provider),
  );
  ({ contract } = await AnchorContract.deploy(owner));
  await contract.setAnchorer('Hospital1MSP', h1.address);
  await contract.setAnchorer('Hospital2MSP', h2.address);
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

test('the deployer owns the contract and each member has its one anchorer', async () => {
  expect(await contract.owner()).toBe(owner.address);
  expect(await contract.anchorerOf('Hospital1MSP')).toBe(h1.address);
  expect(await contract.memberOf(h2.address)).toBe('Hospital2MSP');
  expect(await contract.memberOf(stranger.address)).toBeUndefined();
  expect(await contract.isDeployed()).toBe(true);
});

test('a forged anchor from an unauthorized address is rejected by the contract itself', async () => {
  expect(await reverts(contract.connect(stranger).anchor('ehr', 1n, hash(0xaa)))).toBe(
    'NotAnchorer',
  );
  // Sent past the client's gas estimate, the transaction is mined and reverts on chain.
  const tx = await contract.connect(stranger).contract.getFunction('anchor')(
    '0x6568720000000000000000000000000000000000000000000000000000000000',
    1n,
    hash(0xaa),
    { gasLimit: 100000 },
  );
  await expect(tx.wait()).rejects.toThrow();
  const receipt = await provider.getTransactionReceipt(tx.hash);
  expect(receipt?.status).toBe(0);
  expect((await contract.latest('ehr')).count).toBe(0);
});

let firstGas: bigint;
let steadyGas: bigint;

test('an anchor emits its event and becomes the latest; numbers must strictly increase per channel', async () => {
  const first: TransactionReceipt = await contract.connect(h1).anchor('ehr', 10n, hash(0x10));
  firstGas = first.gasUsed;
  const [event] = contract.parseAnchors(first.logs);
  expect(event).toMatchObject({
    channel: 'ehr',
    blockNumber: 10n,
    headerHash: hash(0x10),
    member: 'Hospital1MSP',
    anchorer: h1.address,
    ethBlock: first.blockNumber,
    previousEthBlock: 0,
  });
  expect(await contract.latest('ehr')).toEqual({
    blockNumber: 10n,
    ethBlock: first.blockNumber,
    count: 1,
  });

  expect(await reverts(contract.connect(h2).anchor('ehr', 10n, hash(0x11)))).toBe('NotIncreasing');
  expect(await reverts(contract.connect(h1).anchor('ehr', 9n, hash(0x09)))).toBe('NotIncreasing');
  expect(await reverts(contract.connect(h1).anchor('ehr', 11n, hash(0)))).toBe('EmptyValue');

  const second = await contract.connect(h2).anchor('ehr', 11n, hash(0x11));
  steadyGas = second.gasUsed;
  expect(contract.parseAnchors(second.logs)[0]).toMatchObject({
    member: 'Hospital2MSP',
    previousEthBlock: first.blockNumber,
  });
  // Another channel has its own sequence.
  await contract.connect(h2).anchor('other', 3n, hash(0x03));
  expect(await contract.latest('other')).toMatchObject({ blockNumber: 3n, count: 1 });
  expect(await contract.latest('ehr')).toMatchObject({ blockNumber: 11n, count: 2 });
});

test('the history of a channel is read back in order, including anchors mined in one Ethereum block', async () => {
  await provider.send('evm_setAutomine', [false]);
  const a = await contract.connect(h1).contract.getFunction('anchor')(
    '0x6568720000000000000000000000000000000000000000000000000000000000',
    20n,
    hash(0x20),
  );
  const b = await contract.connect(h2).contract.getFunction('anchor')(
    '0x6568720000000000000000000000000000000000000000000000000000000000',
    21n,
    hash(0x21),
  );
  await provider.send('evm_mine', []);
  await provider.send('evm_setAutomine', [true]);
  const [ra, rb] = await Promise.all([a.wait(), b.wait()]);
  expect(ra.blockNumber).toBe(rb.blockNumber);
  await contract.connect(h1).anchor('ehr', 30n, hash(0x30));

  const history = await contract.anchors('ehr');
  expect(history.map((h) => [h.blockNumber, h.headerHash])).toEqual([
    [10n, hash(0x10)],
    [11n, hash(0x11)],
    [20n, hash(0x20)],
    [21n, hash(0x21)],
    [30n, hash(0x30)],
  ]);
  expect((await contract.anchors('other')).map((h) => h.blockNumber)).toEqual([3n]);
  expect(await contract.anchors('none')).toEqual([]);
});

test('only the owner manages anchorers; a replaced or removed anchorer can no longer anchor', async () => {
  expect(await reverts(contract.connect(h1).setAnchorer('Hospital1MSP', stranger.address))).toBe(
    'OwnableUnauthorizedAccount',
  );
  // One address serves one member only.
  expect(await reverts(contract.setAnchorer('Hospital1MSP', h2.address))).toBe(
    'AnchorerOfOtherMember',
  );

  await contract.setAnchorer('Hospital1MSP', h1New.address);
  expect(await reverts(contract.connect(h1).anchor('ehr', 40n, hash(0x40)))).toBe('NotAnchorer');
  await contract.connect(h1New).anchor('ehr', 40n, hash(0x40));

  await contract.removeAnchorer('Hospital2MSP');
  expect(await contract.anchorerOf('Hospital2MSP')).toBe(
    '0x0000000000000000000000000000000000000000',
  );
  expect(await reverts(contract.connect(h2).anchor('ehr', 41n, hash(0x41)))).toBe('NotAnchorer');
});

test('ownership moves in two steps and cannot be renounced', async () => {
  await contract
    .connect(owner)
    .contract.getFunction('transferOwnership')(newOwner.address)
    .then((t) => t.wait());
  // Until accepted, the old owner still rules and the new one does not.
  expect(await reverts(contract.connect(newOwner).setAnchorer('Hospital2MSP', h2.address))).toBe(
    'OwnableUnauthorizedAccount',
  );
  await contract
    .connect(newOwner)
    .contract.getFunction('acceptOwnership')()
    .then((t) => t.wait());
  expect(await contract.owner()).toBe(newOwner.address);
  await contract.connect(newOwner).setAnchorer('Hospital2MSP', h2.address);
  expect(
    await reverts(contract.connect(newOwner).contract.getFunction('renounceOwnership')()),
  ).toBe('RenounceDisabled');
});

test('gas per anchor stays within 30,000 above the 21,000 base', () => {
  const report = (label: string, gas: bigint) =>
    `${label}: ${gas} gas (${gas - BigInt(21000)} above the base)`;
  console.log(
    [
      'EhrAnchor.anchor gas',
      report('first anchor of a channel (fresh storage slot)', firstGas),
      report('each later anchor', steadyGas),
    ].join('\n'),
  );
  expect(firstGas - 21000n).toBeLessThanOrEqual(30000n);
  expect(steadyGas - 21000n).toBeLessThanOrEqual(30000n);
  expect(steadyGas).toBeLessThan(firstGas);
});
