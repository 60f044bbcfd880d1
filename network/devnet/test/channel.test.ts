import 'reflect-metadata';
import {
  mkdtempSync,
  openSync,
  writeSync,
  closeSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, peer } from '@hyperledger/fabric-protos';
import { verifyBlockLink, verifyBlockSignatures } from '@ehr/network';
import { DevnetChannel } from '../src/channel';
import { applicationOrgGroup, genesisBlock } from '../src/channelconfig/genesis';
import {
  addApplicationOrgUpdate,
  configUpdateEnvelope,
  signConfigUpdate,
} from '../src/channelconfig/update';
import { BroadcastRefusedError } from '../src/interfaces';
import { toHighS, type SigningIdentity } from '../src/msp';
import { parseSignaturePolicy } from '../src/policies';
import { createCa, identity, mspConfig, type TestCa } from './fixtures/pki';
import { buildTransaction, type RwSpec } from '../src/testing/transactions';

const Code = peer.TxValidationCode;
const CHANNEL = 'ehr';
const CC = 'ehr';

interface Pki {
  cas: Record<'h1' | 'h2' | 'h3' | 'ord' | 'foreign', TestCa>;
  admin1: SigningIdentity;
  admin2: SigningIdentity;
  client3: SigningIdentity;
  client1: SigningIdentity;
  peer1: SigningIdentity;
  peer2: SigningIdentity;
  orderer0: SigningIdentity;
  foreignClient: SigningIdentity;
}

let pki: Pki;
let dir: string;

beforeAll(async () => {
  const cas = {
    h1: await createCa('Hospital1'),
    h2: await createCa('Hospital2'),
    h3: await createCa('Hospital3'),
    ord: await createCa('Orderer'),
    foreign: await createCa('Foreign'),
  };
  pki = {
    cas,
    admin1: await identity(cas.h1, 'Hospital1MSP', { cn: 'admin1', ous: ['admin'] }),
    admin2: await identity(cas.h2, 'Hospital2MSP', { cn: 'admin2', ous: ['admin'] }),
    client3: await identity(cas.h3, 'Hospital3MSP', { cn: 'doctor3', ous: ['client'] }),
    client1: await identity(cas.h1, 'Hospital1MSP', { cn: 'doctor1', ous: ['client'] }),
    peer1: await identity(cas.h1, 'Hospital1MSP', { cn: 'peer0.hospital1', ous: ['peer'] }),
    peer2: await identity(cas.h2, 'Hospital2MSP', { cn: 'peer0.hospital2', ous: ['peer'] }),
    orderer0: await identity(cas.ord, 'OrdererMSP', { cn: 'orderer0', ous: ['orderer'] }),
    foreignClient: await identity(cas.foreign, 'Hospital1MSP', { cn: 'intruder', ous: ['client'] }),
  };
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devnet-channel-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(
  batch: { maxMessageCount?: number; batchTimeoutMs?: number } = {},
  onFatal?: (error: Error) => void,
) {
  return DevnetChannel.open({
    onFatal,
    dir,
    signer: pki.orderer0,
    chaincodes: [
      {
        name: CC,
        version: '1.0',
        endorsementPolicy: "AND('Hospital1MSP.peer','Hospital2MSP.peer')",
      },
    ],
    batch: { batchTimeoutMs: 20, ...batch },
    genesis: () =>
      genesisBlock({
        channel: CHANNEL,
        ordererOrg: {
          name: 'Orderer',
          mspId: 'OrdererMSP',
          msp: mspConfig('OrdererMSP', pki.cas.ord),
          host: '127.0.0.1',
          port: 7050,
          tlsCert: pki.cas.ord.pem,
        },
        applicationOrgs: [
          { name: 'Hospital1', mspId: 'Hospital1MSP', msp: mspConfig('Hospital1MSP', pki.cas.h1) },
          { name: 'Hospital2', mspId: 'Hospital2MSP', msp: mspConfig('Hospital2MSP', pki.cas.h2) },
        ],
        batch: {
          maxMessageCount: 500,
          absoluteMaxBytes: 10 * 1024 * 1024,
          preferredMaxBytes: 2 * 1024 * 1024,
          batchTimeoutMs: 250,
        },
        batchTimeout: '250ms',
      }),
  });
}

const tx = (rw: RwSpec, over: Partial<Parameters<typeof buildTransaction>[0]> = {}) =>
  buildTransaction({
    channel: CHANNEL,
    chaincode: CC,
    creator: pki.client1,
    endorsers: [pki.peer1, pki.peer2],
    rw,
    ...over,
  });

async function submit(ch: DevnetChannel, t: { envelope: Buffer; txId: string }) {
  await ch.orderer.broadcast(t.envelope);
  return ch.committer.waitForTransaction(t.txId);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('devnet channel: ordering, validation, ledger', () => {
  it('creates a config genesis block carrying the MSPs and policies', async () => {
    const ch = await open();
    try {
      expect(ch.ledger.height()).toBe(1n);
      expect(ch.config.msps.mspIds.sort()).toEqual(['Hospital1MSP', 'Hospital2MSP', 'OrdererMSP']);
      expect(ch.config.policy('/Channel/Application/Admins')?.toString()).toBe('MAJORITY Admins');
      expect(ch.config.batchSettings().batchTimeoutMs).toBe(250);
      const b0 = (await ch.ledger.getBlock(0n))!;
      expect(() => verifyBlockLink(b0, undefined)).not.toThrow();
    } finally {
      await ch.close();
    }
  });

  it('commits a valid transaction durably, with state, history, signed and chained blocks', async () => {
    let ch = await open();
    const t1 = tx({
      writes: [
        { key: 'a', value: 'one' },
        { key: '\u0000rec\u0000p1\u0000', value: 'x' },
      ],
    });
    const s1 = await submit(ch, t1);
    expect(s1.code).toBe(Code.VALID);
    const v = await ch.ledger.getState(CC, 'a');
    expect(v?.value.toString()).toBe('one');
    const t2 = tx({
      reads: [
        { key: 'a', version: { blockNum: Number(v!.version.blockNum), txNum: v!.version.txNum } },
      ],
      writes: [{ key: 'a', isDelete: true }],
    });
    expect((await submit(ch, t2)).code).toBe(Code.VALID);
    expect(await ch.ledger.getState(CC, 'a')).toBeUndefined();
    const history = await collect(ch.ledger.history(CC, 'a'));
    expect(history.map((h) => [h.txId, h.isDelete, h.value.toString()])).toEqual([
      [t2.txId, true, ''],
      [t1.txId, false, 'one'],
    ]);
    const block = (await ch.ledger.getBlock(s1.blockNumber))!;
    expect(verifyBlockSignatures(block, (s) => s.mspId === 'OrdererMSP')).toHaveLength(1);
    const md = block.getMetadata()!.getMetadataList_asU8();
    expect(Array.from(md[common.BlockMetadataIndex.TRANSACTIONS_FILTER])).toEqual([Code.VALID]);
    expect(
      common.Metadata.deserializeBinary(md[common.BlockMetadataIndex.COMMIT_HASH]).getValue_asU8(),
    ).toHaveLength(32);
    await ch.close();

    ch = await open();
    try {
      expect(ch.ledger.height()).toBe(3n);
      expect((await ch.ledger.getState(CC, '\u0000rec\u0000p1\u0000'))?.value.toString()).toBe('x');
      let prev: Buffer | undefined;
      for (let n = 0n; n < ch.ledger.height(); n++)
        prev = verifyBlockLink((await ch.ledger.getBlock(n))!, prev);
      expect((await ch.committer.waitForTransaction(t1.txId)).code).toBe(Code.VALID);
      // Replayed after a restart: still a duplicate (the id index survives, in LevelDB and filter).
      await ch.orderer.broadcast(t1.envelope);
      await ch.orderer.flush();
      expect(ch.ledger.stats().txByCode.DUPLICATE_TXID).toBe(1);
    } finally {
      await ch.close();
    }
  });

  it('marks concurrent updates of one key: exactly one VALID per block, the rest MVCC_READ_CONFLICT', async () => {
    const ch = await open({ batchTimeoutMs: 200 });
    try {
      await submit(ch, tx({ writes: [{ key: 'k', value: '0' }] }));
      const v = (await ch.ledger.getState(CC, 'k'))!.version;
      const read = [{ key: 'k', version: { blockNum: Number(v.blockNum), txNum: v.txNum } }];
      const txs = Array.from({ length: 5 }, (_, i) =>
        tx({ reads: read, writes: [{ key: 'k', value: String(i + 1) }] }),
      );
      const statuses = await Promise.all(txs.map((t) => submit(ch, t)));
      expect(statuses.filter((s) => s.code === Code.VALID)).toHaveLength(1);
      expect(statuses.filter((s) => s.code === Code.MVCC_READ_CONFLICT)).toHaveLength(4);
      expect(new Set(statuses.map((s) => s.blockNumber)).size).toBe(1);
    } finally {
      await ch.close();
    }
  });

  it('detects phantom reads of a range', async () => {
    const ch = await open();
    try {
      await submit(ch, tx({ writes: [{ key: 'r1', value: '1' }] }));
      const v = (await ch.ledger.getState(CC, 'r1'))!.version;
      await submit(ch, tx({ writes: [{ key: 'r2', value: '2' }] })); // appears inside the range
      const stale = tx({
        ranges: [
          {
            start: 'r',
            end: 's',
            exhausted: true,
            reads: [{ key: 'r1', version: { blockNum: Number(v.blockNum), txNum: v.txNum } }],
          },
        ],
        writes: [{ key: 'sum', value: '1' }],
      });
      expect((await submit(ch, stale)).code).toBe(Code.PHANTOM_READ_CONFLICT);
    } finally {
      await ch.close();
    }
  });

  it('validates range queries recorded as Merkle summaries, and detects phantoms in them', async () => {
    const ch = await open();
    try {
      const keys = Array.from({ length: 7 }, (_, i) => `m${i}`);
      await submit(ch, tx({ writes: keys.map((key) => ({ key, value: 'v' })) }));
      const reads = [];
      for (const key of keys) {
        const v = (await ch.ledger.getState(CC, key))!.version;
        reads.push({ key, version: { blockNum: Number(v.blockNum), txNum: v.txNum } });
      }
      const range = { start: 'm', end: 'n', exhausted: true, reads, merkleMaxDegree: 2 };
      expect(
        (await submit(ch, tx({ ranges: [range], writes: [{ key: 'sum1', value: '7' }] }))).code,
      ).toBe(Code.VALID);
      await submit(ch, tx({ writes: [{ key: 'm3a', value: 'new' }] })); // a phantom inside the range
      expect(
        (await submit(ch, tx({ ranges: [range], writes: [{ key: 'sum2', value: '7' }] }))).code,
      ).toBe(Code.PHANTOM_READ_CONFLICT);
    } finally {
      await ch.close();
    }
  });

  it('refuses missing endorsements, replayed ids, forged ids and foreign creators with Fabric codes', async () => {
    const ch = await open();
    try {
      expect(
        (await submit(ch, tx({ writes: [{ key: 'x', value: '1' }] }, { endorsers: [pki.peer1] })))
          .code,
      ).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
      // an endorsement by a client is no peer endorsement
      expect(
        (
          await submit(
            ch,
            tx({ writes: [{ key: 'x', value: '1' }] }, { endorsers: [pki.peer1, pki.client1] }),
          )
        ).code,
      ).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
      const once = tx({ writes: [{ key: 'y', value: '1' }] });
      expect((await submit(ch, once)).code).toBe(Code.VALID);
      await ch.orderer.broadcast(once.envelope);
      await ch.orderer.flush();
      expect(ch.ledger.stats().txByCode.DUPLICATE_TXID).toBe(1);
      expect((await ch.ledger.transactionStatus(once.txId))?.code).toBe(Code.VALID);
      const forgedId = tx({ writes: [{ key: 'z', value: '1' }] }, { txId: 'f'.repeat(64) });
      expect((await submit(ch, forgedId)).code).toBe(Code.BAD_PROPOSAL_TXID);
      // The orderer's Writers check refuses a creator that does not chain to the MSP's root.
      const foreign = tx({ writes: [{ key: 'z', value: '1' }] }, { creator: pki.foreignClient });
      await expect(ch.orderer.broadcast(foreign.envelope)).rejects.toMatchObject({
        status: common.Status.FORBIDDEN,
      });
    } finally {
      await ch.close();
    }
  });

  describe("a key's own endorsement policy (VALIDATION_PARAMETER metadata)", () => {
    const keyPolicy = (text: string) => ({
      VALIDATION_PARAMETER: parseSignaturePolicy(text).serializeBinary(),
    });
    const code = async (ch: DevnetChannel, rw: RwSpec, endorsers: SigningIdentity[]) =>
      (await submit(ch, tx(rw, { endorsers }))).code;

    it('replaces the chaincode policy for writes to the key; a change is checked against the policy it replaces', async () => {
      const ch = await open();
      const { peer1, peer2, client1 } = pki;
      try {
        expect(await code(ch, { writes: [{ key: 'k', value: '0' }] }, [peer1, peer2])).toBe(
          Code.VALID,
        );
        const onlyH1 = {
          metadataWrites: [{ key: 'k', entries: keyPolicy("OR('Hospital1MSP.peer')") }],
        };
        expect(await code(ch, onlyH1, [peer1])).toBe(Code.ENDORSEMENT_POLICY_FAILURE); // the chaincode's still
        expect(await code(ch, onlyH1, [peer1, peer2])).toBe(Code.VALID);
        expect(await code(ch, { writes: [{ key: 'k', value: '1' }] }, [peer1])).toBe(Code.VALID);
        expect(await code(ch, { writes: [{ key: 'k', isDelete: true }] }, [peer2])).toBe(
          Code.ENDORSEMENT_POLICY_FAILURE,
        );
        expect(await code(ch, { writes: [{ key: 'k', value: '2' }] }, [client1])).toBe(
          Code.ENDORSEMENT_POLICY_FAILURE,
        );
        // A key without its own policy in the same transaction still needs the chaincode's.
        const mixed = {
          writes: [
            { key: 'k', value: '3' },
            { key: 'plain', value: 'x' },
          ],
        };
        expect(await code(ch, mixed, [peer1])).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
        expect(await code(ch, mixed, [peer1, peer2])).toBe(Code.VALID);
        // Handing the key to Hospital2 needs Hospital1 (the current policy), not Hospital2.
        const onlyH2 = {
          metadataWrites: [{ key: 'k', entries: keyPolicy("OR('Hospital2MSP.peer')") }],
        };
        expect(await code(ch, onlyH2, [peer2])).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
        expect(await code(ch, onlyH2, [peer1])).toBe(Code.VALID);
        expect(await code(ch, { writes: [{ key: 'k', value: '4' }] }, [peer1])).toBe(
          Code.ENDORSEMENT_POLICY_FAILURE,
        );
        expect(await code(ch, { writes: [{ key: 'k', value: '4' }] }, [peer2])).toBe(Code.VALID);
        expect((await ch.ledger.getState(CC, 'k'))?.value.toString()).toBe('4');
        // A parameter that is no signature policy satisfies nobody.
        const broken = {
          metadataWrites: [
            { key: 'k', entries: { VALIDATION_PARAMETER: Buffer.from([0xff, 0xff]) } },
          ],
        };
        expect(await code(ch, broken, [peer2])).toBe(Code.VALID);
        expect(await code(ch, { writes: [{ key: 'k', value: '5' }] }, [peer1, peer2])).toBe(
          Code.ENDORSEMENT_POLICY_FAILURE,
        );
      } finally {
        await ch.close();
      }
    });

    it('fails a write to a key whose metadata an earlier valid transaction of the same block changed', async () => {
      const ch = await open({ batchTimeoutMs: 300 });
      const { peer1, peer2, client1 } = pki;
      try {
        const both = [peer1, peer2];
        expect(
          await code(ch, { writes: ['a', 'b', 'c'].map((key) => ({ key, value: '0' })) }, both),
        ).toBe(Code.VALID);
        const inOneBlock = async (...txs: ReturnType<typeof tx>[]) => {
          for (const t of txs) await ch.orderer.broadcast(t.envelope);
          const statuses = await Promise.all(
            txs.map((t) => ch.committer.waitForTransaction(t.txId)),
          );
          expect(new Set(statuses.map((s) => s.blockNumber)).size).toBe(1);
          return statuses.map((s) => s.code);
        };
        const policyH1 = keyPolicy("OR('Hospital1MSP.peer')");
        // The change is valid, so the write after it cannot be checked against either policy.
        expect(
          await inOneBlock(
            tx({ metadataWrites: [{ key: 'a', entries: policyH1 }] }, { endorsers: both }),
            tx({ writes: [{ key: 'a', value: '1' }] }, { endorsers: both }),
          ),
        ).toEqual([Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE]);
        // Any metadata, not only a policy; and only for the key changed.
        expect(
          await inOneBlock(
            tx(
              { metadataWrites: [{ key: 'b', entries: { note: Buffer.from('x') } }] },
              { endorsers: both },
            ),
            tx({ writes: [{ key: 'b', value: '1' }] }, { endorsers: both }),
            tx({ writes: [{ key: 'c', value: '1' }] }, { endorsers: both }),
          ),
        ).toEqual([Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
        // A change that fails its own endorsement check changes nothing: the write stands.
        expect(
          await inOneBlock(
            tx({ metadataWrites: [{ key: 'c', entries: policyH1 }] }, { endorsers: [client1] }),
            tx({ writes: [{ key: 'c', value: '2' }] }, { endorsers: both }),
          ),
        ).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
        expect((await ch.ledger.getState(CC, 'a'))?.metadata?.VALIDATION_PARAMETER).toBeDefined();
        expect((await ch.ledger.getState(CC, 'c'))?.value.toString()).toBe('2');
      } finally {
        await ch.close();
      }
    });
  });

  it('refuses malformed envelopes at broadcast and bad creator signatures at commit', async () => {
    const ch = await open();
    try {
      const t = tx({ writes: [{ key: 'w', value: '1' }] });
      await expect(
        ch.orderer.broadcast(Buffer.concat([t.envelope, Buffer.from([0x18, 0x01])])),
      ).rejects.toBeInstanceOf(BroadcastRefusedError);
      await expect(ch.orderer.broadcast(Buffer.alloc(0))).rejects.toMatchObject({
        status: common.Status.BAD_REQUEST,
      });
      const env = common.Envelope.deserializeBinary(t.envelope);
      env.setSignature(toHighS(env.getSignature_asU8()));
      await expect(ch.orderer.broadcast(env.serializeBinary())).rejects.toMatchObject({
        status: common.Status.FORBIDDEN,
      });
      // A block carrying it anyway (as a faulty orderer might) is caught by the committer.
      const block = new common.Block();
      const header = new common.BlockHeader();
      header.setNumber(Number(ch.ledger.height()));
      block.setHeader(header);
      const data = new common.BlockData();
      data.setDataList([env.serializeBinary()]);
      block.setData(data);
      const md = new common.BlockMetadata();
      md.setMetadataList([
        new Uint8Array(),
        new Uint8Array(),
        new Uint8Array(),
        new Uint8Array(),
        new Uint8Array(),
      ]);
      block.setMetadata(md);
      const status = ch.committer.waitForTransaction(t.txId);
      await ch.committer.commit(block);
      expect((await status).code).toBe(Code.BAD_CREATOR_SIGNATURE);
      // Its id was never proven, so it is not indexed: the real owner of the id can still commit.
      expect(await ch.ledger.hasTransaction(t.txId)).toBe(false);
    } finally {
      await ch.close();
    }
  });

  it('cuts blocks by message count', async () => {
    const ch = await open({ maxMessageCount: 3, batchTimeoutMs: 60_000 });
    try {
      const txs = Array.from({ length: 6 }, (_, i) =>
        tx({ writes: [{ key: `c${i}`, value: 'v' }] }),
      );
      const statuses = await Promise.all(txs.map((t) => submit(ch, t)));
      expect(statuses.every((s) => s.code === Code.VALID)).toBe(true);
      expect(new Set(statuses.map((s) => s.blockNumber)).size).toBe(2);
    } finally {
      await ch.close();
    }
  });

  it('cuts a torn last block off after a crash and keeps every whole one', async () => {
    let ch = await open();
    await submit(ch, tx({ writes: [{ key: 'keep', value: '1' }] }));
    await ch.close();
    const file = join(dir, 'chains', 'blockfile_000000');
    const size = statSync(file).size;
    const fd = openSync(file, 'a');
    writeSync(fd, Buffer.from([0, 0, 1, 0, 1, 2, 3, 4, 9, 9, 9])); // a header promising 256 bytes, then 3
    closeSync(fd);
    ch = await open();
    try {
      expect(statSync(file).size).toBe(size);
      expect(ch.ledger.height()).toBe(2n);
      expect((await ch.ledger.getState(CC, 'keep'))?.value.toString()).toBe('1');
      expect((await submit(ch, tx({ writes: [{ key: 'after', value: '2' }] }))).code).toBe(
        Code.VALID,
      );
    } finally {
      await ch.close();
    }
  });

  it('adds an organisation through a CONFIG_UPDATE signed by a majority of member admins, and only then', async () => {
    let ch = await open();
    try {
      const group = applicationOrgGroup({
        name: 'Hospital3',
        mspId: 'Hospital3MSP',
        msp: mspConfig('Hospital3MSP', pki.cas.h3),
      });
      const update = addApplicationOrgUpdate(ch.config, 'Hospital3', group).serializeBinary();
      const one = configUpdateEnvelope(
        CHANNEL,
        update,
        [signConfigUpdate(update, pki.admin1)],
        pki.admin1,
      );
      // Fabric 3.1.5's answer, word for word (two spaces after "[Group]").
      await expect(ch.orderer.broadcast(one.serializeBinary())).rejects.toMatchObject({
        status: common.Status.BAD_REQUEST,
        info:
          `error applying config update to existing channel '${CHANNEL}': error authorizing update: error validating DeltaSet: ` +
          "policy for [Group]  /Channel/Application not satisfied: implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2 of the 'Admins' sub-policies to be satisfied",
      });
      // Two signatures by the same admin are one signer.
      const twice = configUpdateEnvelope(
        CHANNEL,
        update,
        [signConfigUpdate(update, pki.admin1), signConfigUpdate(update, pki.admin1)],
        pki.admin1,
      );
      await expect(ch.orderer.broadcast(twice.serializeBinary())).rejects.toMatchObject({
        status: common.Status.BAD_REQUEST,
      });
      // A Hospital3 identity is no member yet.
      const early = tx({ writes: [{ key: 'h3', value: '1' }] }, { creator: pki.client3 });
      await expect(ch.orderer.broadcast(early.envelope)).rejects.toMatchObject({
        status: common.Status.FORBIDDEN,
        // As Fabric 3.1.5's orderer words it.
        info: "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied: permission denied",
      });

      // An organisation whose CA certificate has no Subject Key Identifier: refused before it is
      // ordered, however many admins sign (Fabric's orderer cannot build such an MSP either).
      const bareCa = await createCa('bare3', { subjectKeyIdentifier: false });
      const bareUpdate = addApplicationOrgUpdate(
        ch.config,
        'Hospital3',
        applicationOrgGroup({
          name: 'Hospital3',
          mspId: 'Hospital3MSP',
          msp: mspConfig('Hospital3MSP', bareCa),
        }),
      ).serializeBinary();
      const bare = configUpdateEnvelope(
        CHANNEL,
        bareUpdate,
        [signConfigUpdate(bareUpdate, pki.admin1), signConfigUpdate(bareUpdate, pki.admin2)],
        pki.admin1,
      );
      const heightBefore = ch.ledger.height();
      await expect(ch.orderer.broadcast(bare.serializeBinary())).rejects.toMatchObject({
        status: common.Status.BAD_REQUEST,
        info: expect.stringMatching(
          /^error applying config update to existing channel 'ehr': initializing channelconfig failed: .*subjectKeyIdentifier not found in certificate$/,
        ),
      });
      await ch.orderer.flush();
      expect(ch.ledger.height()).toBe(heightBefore);

      const both = configUpdateEnvelope(
        CHANNEL,
        update,
        [signConfigUpdate(update, pki.admin1), signConfigUpdate(update, pki.admin2)],
        pki.admin1,
      );
      const before = ch.ledger.height();
      await ch.orderer.broadcast(both.serializeBinary());
      await ch.orderer.flush();
      expect(ch.ledger.height()).toBe(before + 1n);
      expect(ch.ledger.stats().lastConfig).toBe(before);
      const configBlock = (await ch.ledger.getBlock(before))!;
      expect(
        Array.from(
          configBlock.getMetadata()!.getMetadataList_asU8()[
            common.BlockMetadataIndex.TRANSACTIONS_FILTER
          ],
        ),
      ).toEqual([Code.VALID]);
      expect(verifyBlockSignatures(configBlock, (s) => s.mspId === 'OrdererMSP')).toHaveLength(1);
      expect(ch.config.msps.mspIds).toContain('Hospital3MSP');
      expect(ch.config.sequence).toBe(1);
      // The same update again is stale: its read set names the old Application version.
      await expect(ch.orderer.broadcast(both.serializeBinary())).rejects.toMatchObject({
        status: common.Status.BAD_REQUEST,
      });

      const now = tx({ writes: [{ key: 'h3', value: '1' }] }, { creator: pki.client3 });
      expect((await submit(ch, now)).code).toBe(Code.VALID);
    } finally {
      await ch.close();
    }
    // After a restart the channel runs on the last config block.
    ch = await open();
    try {
      expect(ch.config.msps.mspIds).toContain('Hospital3MSP');
    } finally {
      await ch.close();
    }
  });

  it('stops ordering and reports a fatal error when a block cannot be stored', async () => {
    const fatal: Error[] = [];
    const ch = await open({}, (e) => fatal.push(e));
    await ch.ledger.close(); // the disk "goes away"
    await ch.orderer.broadcast(tx({ writes: [{ key: 'lost', value: '1' }] }).envelope);
    await ch.orderer.flush();
    expect(fatal).toHaveLength(1);
    await expect(
      ch.orderer.broadcast(tx({ writes: [{ key: 'x', value: '1' }] }).envelope),
    ).rejects.toMatchObject({
      status: common.Status.SERVICE_UNAVAILABLE,
    });
    await ch.orderer.stop();
  });

  it('refuses to open when block files lost blocks the index refers to', async () => {
    const ch = await open();
    await submit(ch, tx({ writes: [{ key: 'kept', value: '1' }] }));
    await ch.close();
    const file = join(dir, 'chains', 'blockfile_000000');
    truncateSync(file, statSync(file).size - 10);
    await expect(open()).rejects.toThrow(/before the \d+ bytes the index refers to/);
  });
});
