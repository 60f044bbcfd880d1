// The Ethereum anchor on the real stack (CAs, devnet or real Fabric, chaincode servers, Anvil):
// records written through the Fabric Gateway are anchored, `npm run anchor -- verify` passes
// and links each anchor; a block altered by one byte in one transaction makes verify fail naming
// that block; a forged anchor from an unauthorized address is rejected by the contract; the
// auditor view reports the anchors, coverage and the last verification. Nothing here is
// devnet-specific (LEDGER=fabric runs it unchanged).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { headerHashOf } from '@ehr/network';
import {
  AnchorAuditor,
  chainFromEnv,
  fileVerificationStore,
  connectChain,
  devKey,
  openBlockSource,
  openContract,
  readerConfig,
  readJson,
  statusFile,
  toBytes32,
  type ServiceStatus,
  verifyLedger,
  verificationResult,
  type BlockSource,
} from '@ehr/evm-anchor';
import { common } from '@hyperledger/fabric-protos';
import { Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { orgPaths, type CaIdentity } from '@ehr/network';
import { enrollTestUser, testCli, testNetwork, waitFor } from '../support';

// The Fabric Gateway client is set up here rather than borrowed from another suite, so this
// process never loads the chaincode (fabric-shim bundles an older fabric-protos).
const LEDGER = process.env.LEDGER === 'fabric' ? 'fabric' : 'devnet';

const net = testNetwork();
const [A] = net.hospitals;
const peerClient = new grpc.Client(
  `127.0.0.1:${LEDGER === 'fabric' ? A.peer.fabricPort : A.peer.port}`,
  grpc.credentials.createSsl(readFileSync(orgPaths(net, A).peer!.tlsCa)),
);
const gateways: Gateway[] = [];

function contractAs(person: CaIdentity): Contract {
  const gateway = connect({
    client: peerClient,
    identity: { mspId: A.mspId, credentials: Buffer.from(person.certificate) },
    signer: signers.newPrivateKeySigner(person.privateKey),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  gateways.push(gateway);
  return gateway.getNetwork(net.channel).getContract(net.chaincode.name);
}

async function submit(contract: Contract, fn: string, args: string[]): Promise<unknown> {
  const bytes = await contract.submitTransaction(fn, ...args);
  const text = Buffer.from(bytes).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}
let provider: JsonRpcProvider;
let source: BlockSource;
/** The block holding the last record this suite wrote. */
let recordBlock: bigint;

beforeAll(async () => {
  ({ provider } = await connectChain(chainFromEnv(net, {})));
  // Blocks are read from the other hospital's peer: any member's peer serves the same chain.
  // LEDGER chooses the peer's port (devnet's, or real Fabric's); no other ANCHOR_* override.
  source = openBlockSource(await readerConfig(net, net.hospitals[1].mspId, { LEDGER }));
});

afterAll(() => {
  gateways.forEach((g) => g.close());
  peerClient.close();
  source?.close();
  provider?.destroy();
});

/** The peer's blocks, with one byte of the first transaction of block `altered` flipped. */
function tamperedSource(altered: bigint): BlockSource {
  return {
    newest: () => source.newest(),
    close: () => undefined,
    async *blocks(start, end) {
      for await (const block of source.blocks(start, end)) {
        if (BigInt(block.getHeader()!.getNumber()) !== altered) {
          yield block;
          continue;
        }
        const copy = common.Block.deserializeBinary(block.serializeBinary());
        const data = copy
          .getData()!
          .getDataList_asU8()
          .map((d) => Buffer.from(d));
        const tx = data[0];
        tx[Math.floor(tx.length / 2)] ^= 0x01;
        copy.getData()!.setDataList(data);
        yield copy;
      }
    },
  };
}

async function writeRecords(count: number): Promise<bigint> {
  const admin = await enrollTestUser(net, A, { role: 'admin' });
  const doctor = await enrollTestUser(net, A, {
    role: 'doctor',
    govId: `GOV-anchor-${randomUUID()}`,
  });
  const patient = await enrollTestUser(net, A, { role: 'patient' });
  const adminContract = contractAs(admin);
  let keyId: string;
  try {
    const hospital = JSON.parse(
      Buffer.from(
        await adminContract.evaluateTransaction('hospitals:GetHospital', A.mspId),
      ).toString(),
    );
    keyId = (hospital as { currentKey: { keyId: string } }).currentKey.keyId;
  } catch {
    // Not registered yet on this stack: register it with a fresh encryption key.
    keyId = `anchor-test-${randomUUID()}`;
    const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    await submit(adminContract, 'hospitals:RegisterHospital', [
      JSON.stringify({
        mspId: A.mspId,
        displayName: A.displayName ?? A.name,
        keyId,
        algorithm: 'ECIES-P256',
        publicKeyPem,
      }),
    ]);
  }
  const patientId = `${A.mspId}/${patient.enrollmentId}`;
  const doctorId = `${A.mspId}/${doctor.enrollmentId}`;
  await submit(adminContract, 'assignments:AssignDoctor', [patientId, doctorId]);
  const doctorContract = contractAs(doctor);
  let block = 0n;
  for (let i = 0; i < count; i++) {
    const request = JSON.stringify({
      recordId: `anchor-${randomUUID()}`,
      patientId,
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      sha256: 'c'.repeat(64),
      size: 2048,
      mediaType: 'application/pdf',
      category: 'report',
      remarkHash: 'd'.repeat(64),
      wrappedKeys: [{ mspId: A.mspId, keyId, wrappedKey: 'QUJD' }],
    });
    const submitted = await doctorContract.submitAsync('records:AddRecord', {
      arguments: [request],
    });
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    block = status.blockNumber;
  }
  return block;
}

describe(`Ethereum anchor on ${LEDGER}`, () => {
  it("the stack's anchoring service anchored at start and anchors again after N new blocks", async () => {
    const status = () => readJson<ServiceStatus>(statusFile(net, net.channel));
    const first = await waitFor(
      'the anchoring service to anchor',
      async () => status()?.lastAnchor,
    );
    expect(first.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    // The stack runs it with the defaults: every 10 blocks (or 5 minutes).
    recordBlock = await writeRecords(11);
    const next = await waitFor('the anchoring service to anchor the new blocks', async () => {
      const s = status();
      return s?.lastAnchor && BigInt(s.lastAnchor.blockNumber) > BigInt(first.blockNumber)
        ? s
        : undefined;
    });
    expect(BigInt(next.lastAnchor!.blockNumber) - BigInt(first.blockNumber)).toBeGreaterThanOrEqual(
      10n,
    );
    expect(next.failures).toBe(0);
    expect(BigInt(next.checkedHeight)).toBeGreaterThan(BigInt(next.lastAnchor!.blockNumber));
  });

  it('anchors the blocks holding new records, and verify passes with a link per anchor', async () => {
    recordBlock = await writeRecords(2);
    const anchored = await testCli(['anchor', 'once']);
    expect(anchored.code).toBe(0);
    // Either this run anchored the newest block, or the stack's anchoring service got there first.
    expect(anchored.stdout).toMatch(/anchored block \d+ 0x[0-9a-f]{64}: http|nothing to anchor/);

    const { contract } = await openContract(net, provider, net.ethereum.anvil.chainId, {});
    const latest = await contract.latest(net.channel);
    expect(latest.count).toBeGreaterThan(0);
    expect(latest.blockNumber).toBeGreaterThanOrEqual(recordBlock);

    const verified = await testCli(['anchor', 'verify']);
    expect(verified.stderr).not.toMatch(/Error/);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/result\s+OK: the ledger matches every anchor/);
    expect(verified.stdout).toMatch(
      new RegExp(`anchors matched\\s+${latest.count} of ${latest.count}`),
    );
    expect(verified.stdout).toMatch(/first mismatch\s+none/);
    // One line per anchor, with the (local) explorer link of its transaction.
    const anchorLines = verified.stdout
      .split('\n')
      .filter((l) => /^\s+anchor block \d+\s+matched/.test(l));
    expect(anchorLines).toHaveLength(latest.count);
    for (const line of anchorLines) expect(line).toMatch(/\/tx\/0x[0-9a-f]{64}$/);
  });

  it('one byte changed in one transaction of a served block makes verify fail, naming that block', async () => {
    const { contract } = await openContract(net, provider, net.ethereum.anvil.chainId, {});
    const anchors = await contract.anchors(net.channel);
    const explorer = chainFromEnv(net, {}).explorer;
    const tampered = tamperedSource(recordBlock);
    const report = await verifyLedger({
      channel: net.channel,
      source: tampered,
      anchors,
      explorer,
    });
    expect(report.ok).toBe(false);
    expect(report.firstMismatch?.block).toBe(recordBlock);
    expect(report.firstMismatch?.reason).toMatch(new RegExp(`block ${recordBlock}: `));

    // The same blocks as served by the peer match every anchor.
    const honest = await verifyLedger({ channel: net.channel, source, anchors, explorer });
    expect(honest.problems).toEqual([]);
    expect(honest.ok).toBe(true);
  });

  it('rejects a forged anchor from an address no member authorized', async () => {
    const { contract } = await openContract(net, provider, net.ethereum.anvil.chainId, {});
    const before = await contract.latest(net.channel);
    const forger = Wallet.createRandom().connect(provider);
    const funder = new Wallet(devKey(9), provider);
    await (await funder.sendTransaction({ to: forger.address, value: parseEther('1') })).wait();
    const newest = await source.newest();
    // Sent past the client's gas estimate (which would refuse it already): mined, and reverted.
    const tx = await contract.connect(forger).contract.getFunction('anchor')(
      toBytes32(net.channel),
      BigInt(newest.getHeader()!.getNumber()) + 1000n,
      `0x${headerHashOf(newest).toString('hex')}`,
      { gasLimit: 200_000 },
    );
    await expect(tx.wait()).rejects.toThrow();
    expect((await provider.getTransactionReceipt(tx.hash))?.status).toBe(0);
    expect(await contract.latest(net.channel)).toEqual(before);
  });

  it('gives the auditor view: anchors with links, coverage and the last verification', async () => {
    const verifications = fileVerificationStore(net);
    const auditor = new AnchorAuditor(net, { blocks: source, env: {}, verifications });
    try {
      const view = await auditor.view();
      expect(view.anchors.length).toBeGreaterThan(0);
      expect(view.anchors[0].explorerUrl).toMatch(/\/tx\/0x[0-9a-f]{64}$/);
      const { ledgerHeight, lastAnchoredBlock, blocksNotAnchored } = view.coverage;
      expect(ledgerHeight).toBeGreaterThan(Number(recordBlock));
      expect(lastAnchoredBlock).toBe(view.anchors[0].blockNumber);
      expect(blocksNotAnchored).toBe(Math.max(0, ledgerHeight! - 1 - lastAnchoredBlock!));
      // The CLI's verify (the test before) recorded its run in the data directory's file.
      expect(view.lastVerification).toMatchObject({ ok: true });
      expect(view.lastVerification?.firstMismatch).toBeUndefined();
      const page = await auditor.transaction(view.anchors[0].ethTxHash);
      expect(page).toMatchObject({
        status: 'success',
        anchors: [{ channel: net.channel, blockNumber: String(view.anchors[0].blockNumber) }],
      });
      await expect(auditor.transaction('0x12')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });

      // GET /audit/anchors gives the same anchors, newest first (gateway/openapi.yaml: Anchor).
      const list = await auditor.anchorList();
      expect(list.items).toEqual(view.anchors);
      expect(list.items[0]).toEqual({
        channel: net.channel,
        blockNumber: expect.any(Number),
        headerHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        ethTxHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        explorerUrl: expect.stringMatching(/\/tx\/0x[0-9a-f]{64}$/),
        anchoredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        member: A.mspId,
      });
      // Two concurrent requests share one run of the check, recorded as the last verification.
      const [r1, r2] = await Promise.all([auditor.verify(), auditor.verify()]);
      expect(r1).toBe(r2);
      expect(AnchorAuditor.apiReport(r1)).toEqual({
        ok: true,
        blocksChecked: Number(r1.height),
        anchorsChecked: list.items.length,
        problems: [],
      });
      expect((await auditor.view()).lastVerification).toEqual(verificationResult(r1));
      expect(await verifications.latest(net.channel)).toEqual({
        ok: true,
        checkedAt: r1.checkedAt,
        ledgerHeight: Number(r1.height),
        blocksChecked: Number(r1.height),
        anchorsMatched: list.items.length,
        anchorsChecked: list.items.length,
      });
    } finally {
      await auditor.close();
    }
  });

  it('records a failed verification with its first mismatch as the last one', async () => {
    // The auditor view reads one byte altered in the block holding the last record.
    const tampered = tamperedSource(recordBlock);
    const verifications = fileVerificationStore(net);
    const auditor = new AnchorAuditor(net, { blocks: tampered, env: {}, verifications });
    try {
      const report = await auditor.verify();
      expect(report.ok).toBe(false);
      const last = (await auditor.view()).lastVerification;
      expect(last).toMatchObject({
        ok: false,
        checkedAt: report.checkedAt,
        firstMismatch: { block: Number(recordBlock) },
      });
      expect(last?.firstMismatch?.reason).toMatch(new RegExp(`^block ${recordBlock}: `));
      expect(last!.anchorsMatched).toBeLessThanOrEqual(last!.anchorsChecked);
    } finally {
      await auditor.close();
      // The honest chain's result again, for whoever reads the file next (`anchor status`).
      const honest = new AnchorAuditor(net, { blocks: source, env: {}, verifications });
      await honest.verify().finally(() => honest.close());
    }
  });
});
