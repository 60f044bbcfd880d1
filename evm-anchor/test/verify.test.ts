// verify on blocks built in the test: it passes on an intact ledger that matches its anchors,
// and names the block when one is altered, re-hashed, signed by a stranger, or differs from
// its anchor.
import { headerHashOf } from '@ehr/network';
import { common } from '@hyperledger/fabric-protos';
import type { AnchorEvent } from '../src/contract/anchor-contract';
import { explorerFor } from '../src/explorer';
import { formatReport, verifyLedger } from '../src/verify/verify-ledger';
import { computeBlockDataHash } from '@ehr/network';
import { copyBlock, createCa, issueIdentity, TestChain } from './support/fabric-chain';

const explorer = explorerFor({ kind: 'etherscan', baseUrl: 'https://sepolia.etherscan.io' });

function anchorOf(block: common.Block, i = 0): AnchorEvent {
  return {
    channel: 'ehr',
    blockNumber: BigInt(block.getHeader()!.getNumber()),
    headerHash: `0x${headerHashOf(block).toString('hex')}`,
    member: 'Hospital1MSP',
    anchorer: '0x0000000000000000000000000000000000000001',
    ethBlock: 100 + i,
    txHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    logIndex: 0,
    previousEthBlock: i ? 99 + i : 0,
  };
}

async function intactChain(): Promise<TestChain> {
  const { chain } = await TestChain.create();
  for (let i = 0; i < 5; i++) chain.appendTransactions(3);
  return chain;
}

test('an intact ledger matching its anchors passes, with a link per anchor', async () => {
  const chain = await intactChain();
  const anchors = [anchorOf(chain.blocks[3], 0), anchorOf(chain.blocks[4], 1)];
  const report = await verifyLedger({
    channel: 'ehr',
    source: chain.source(),
    anchors,
    explorer,
    contractAddress: '0x00000000000000000000000000000000000000aa',
  });
  expect(report).toMatchObject({
    ok: true,
    height: 6n,
    blocksChecked: 6,
    anchorsMatched: 2,
    anchorsTotal: 2,
    unanchoredBlocks: 1n,
  });
  expect(report.firstMismatch).toBeUndefined();
  expect(report.anchors[0].link).toBe(`https://sepolia.etherscan.io/tx/${anchors[0].txHash}`);
  const text = formatReport(report).join('\n');
  expect(text).toMatch(/blocks checked\s+6 of 6/);
  expect(text).toMatch(/anchors matched\s+2 of 2/);
  expect(text).toMatch(/result\s+OK/);
});

test('one byte changed in one transaction of a served block fails, naming that block', async () => {
  const chain = await intactChain();
  const anchors = [anchorOf(chain.blocks[5])];
  const source = chain.source((block) => {
    if (block.getHeader()!.getNumber() !== 2) return block;
    const altered = copyBlock(block);
    const data = altered
      .getData()!
      .getDataList_asU8()
      .map((d) => Buffer.from(d));
    data[1][data[1].length - 3] ^= 0x01; // inside the envelope's signature bytes
    altered.getData()!.setDataList(data);
    return altered;
  });
  const report = await verifyLedger({ channel: 'ehr', source, anchors, explorer });
  expect(report.ok).toBe(false);
  expect(report.firstMismatch?.block).toBe(2n);
  expect(report.firstMismatch?.reason).toMatch(/block 2: data hash does not match/);
  expect(formatReport(report).join('\n')).toMatch(/result\s+FAIL/);
});

test('a rewritten history (data hash and chain recomputed) fails at the first rewritten block and at the anchor', async () => {
  const chain = await intactChain();
  const anchors = [anchorOf(chain.blocks[4])];
  // The forger rebuilds block 2 onwards consistently but cannot sign as the orderer.
  const forged = chain.blocks.map(copyBlock);
  for (let n = 2; n < forged.length; n++) {
    const header = forged[n].getHeader()!;
    if (n === 2) {
      const data = forged[n].getData()!.getDataList_asU8().slice(0, 1);
      forged[n].getData()!.setDataList(data);
      header.setDataHash(computeBlockDataHash(data));
    }
    header.setPreviousHash(headerHashOf(forged[n - 1]));
  }
  const report = await verifyLedger({
    channel: 'ehr',
    source: chain.source((b) => forged[b.getHeader()!.getNumber()]),
    anchors,
    explorer,
  });
  expect(report.ok).toBe(false);
  expect(report.firstMismatch).toMatchObject({ block: 2n });
  expect(report.firstMismatch?.reason).toMatch(/signature/);
  expect(report.anchors[0].status).toBe('mismatch');
  expect(
    report.problems.some((p) => p.block === 4n && /differs from the anchor/.test(p.reason)),
  ).toBe(true);
});

test('a block signed by an identity outside the orderer organisations fails', async () => {
  const chain = await intactChain();
  const stranger = await issueIdentity(await createCa('rogue'), 'OrdererMSP', 'orderer0');
  chain.useSigner(stranger);
  chain.appendTransactions(1);
  const report = await verifyLedger({
    channel: 'ehr',
    source: chain.source(),
    anchors: [anchorOf(chain.blocks[6])],
    explorer,
  });
  expect(report.ok).toBe(false);
  expect(report.firstMismatch).toMatchObject({ block: 6n });
  expect(report.firstMismatch?.reason).toMatch(
    /do not satisfy the channel's BlockValidation policy/,
  );
});

test('an anchor that differs from the ledger, or names a block the peer does not have, fails', async () => {
  const chain = await intactChain();
  const wrong = { ...anchorOf(chain.blocks[3]), headerHash: `0x${'ab'.repeat(32)}` };
  const beyond = { ...anchorOf(chain.blocks[5], 1), blockNumber: 9n };
  const report = await verifyLedger({
    channel: 'ehr',
    source: chain.source(),
    anchors: [wrong, beyond],
    explorer,
  });
  expect(report.ok).toBe(false);
  expect(report.anchors.map((a) => a.status)).toEqual(['mismatch', 'missing-block']);
  expect(report.firstMismatch?.block).toBe(3n);
  expect(report.problems[1].reason).toMatch(/block 9 is anchored .* ledger ends at block 5/);
});

test('without any anchor nothing is proven: not a pass', async () => {
  const chain = await intactChain();
  const report = await verifyLedger({
    channel: 'ehr',
    source: chain.source(),
    anchors: [],
    explorer,
  });
  expect(report.ok).toBe(false);
  expect(report.problems).toEqual([]);
  expect(formatReport(report).join('\n')).toMatch(/no anchor recorded yet/);
});

test('a configuration update hands block signing to the new orderer CA', async () => {
  const chain = await intactChain();
  const newCa = await createCa('orderer2');
  chain.appendOrdererCaRotation(newCa); // signed by the current orderer: block 6
  chain.useSigner(await issueIdentity(newCa, 'OrdererMSP', 'orderer1'));
  chain.appendTransactions(2); // block 7
  const ok = await verifyLedger({
    channel: 'ehr',
    source: chain.source(),
    anchors: [anchorOf(chain.blocks[7])],
    explorer,
  });
  expect(ok.problems).toEqual([]);
  expect(ok.ok).toBe(true);

  // The retired orderer's key no longer counts.
  const { chain: other, ca: oldCa } = await TestChain.create();
  other.appendOrdererCaRotation(newCa);
  other.useSigner(await issueIdentity(oldCa, 'OrdererMSP', 'orderer0'));
  other.appendTransactions(1);
  const bad = await verifyLedger({
    channel: 'ehr',
    source: other.source(),
    anchors: [anchorOf(other.blocks[2])],
    explorer,
  });
  expect(bad.firstMismatch).toMatchObject({ block: 2n });
});
