import { ledger } from '@hyperledger/fabric-protos';
import { MspManager } from '../src/msp';
import { SignaturePolicy } from '../src/policies';
import { TxSimulator } from '../src/endorser/simulator';
import { endorsementPlan } from '../src/gateway/plan';
import { MemoryState } from './fixtures/memory-state';
import { createCa, identity, mspOf } from './fixtures/pki';

const rwset = (sim: TxSimulator) => {
  const tx = ledger.rwset.TxReadWriteSet.deserializeBinary(sim.results());
  return tx.getNsRwsetList().map((ns) => ({
    ns: ns.getNamespace(),
    kv: ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()),
  }));
};

describe('transaction simulator', () => {
  let state: MemoryState;
  beforeEach(() => {
    state = new MemoryState();
    state.commit('cc', 't0', { a: '1', b: '2', c: '3' });
  });

  it('records the range a chaincode actually consumed when it stops early', async () => {
    const sim = new TxSimulator(state, 'tx');
    const it = sim.rangeScan('cc', 'a', 'z');
    expect((await it.next())?.key).toBe('a');
    expect((await it.next())?.key).toBe('b');
    await sim.done();
    const kv = rwset(sim)[0]!.kv;
    const info = kv.getRangeQueriesInfoList()[0]!;
    expect(info.getStartKey()).toBe('a');
    expect(info.getEndKey()).toBe('b');
    expect(info.getItrExhausted()).toBe(false);
    expect(
      info
        .getRawReads()!
        .getKvReadsList()
        .map((r) => r.getKey()),
    ).toEqual(['a', 'b']);
  });

  it('reads committed state only, sorts keys, keeps the last write and the first read version', async () => {
    const sim = new TxSimulator(state, 'tx');
    expect((await sim.getState('cc', 'b'))?.toString()).toBe('2');
    sim.putState('cc', 'b', Buffer.from('x'));
    expect((await sim.getState('cc', 'b'))?.toString()).toBe('2'); // no read-your-own-writes
    sim.putState('cc', 'z', Buffer.from('1'));
    sim.putState('cc', 'm', Buffer.from('1'));
    sim.deleteState('cc', 'z');
    expect(await sim.getState('cc', 'missing')).toBeUndefined();
    const kv = rwset(sim)[0]!.kv;
    expect(kv.getReadsList().map((r) => [r.getKey(), r.hasVersion()])).toEqual([
      ['b', true],
      ['missing', false],
    ]);
    expect(kv.getWritesList().map((w) => [w.getKey(), w.getIsDelete()])).toEqual([
      ['b', false],
      ['m', false],
      ['z', true],
    ]);
  });

  it('refuses writes after a paginated query and paginated queries after writes, as Fabric does', () => {
    const paged = new TxSimulator(state, 'tx1');
    paged.rangeScan('cc', '', '', 2);
    expect(() => paged.putState('cc', 'k', Buffer.from('v'))).toThrow(
      /paginated query\. Writes are not allowed/,
    );
    const writer = new TxSimulator(state, 'tx2');
    writer.putState('cc', 'k', Buffer.from('v'));
    expect(() => writer.rangeScan('cc', '', '', 2)).toThrow(/only in a read-only transaction/);
  });
});

describe('endorsement plan', () => {
  it('takes the smallest set of peers that satisfies the policy, the local peer first', async () => {
    const cas = await Promise.all([createCa('p1'), createCa('p2'), createCa('p3')]);
    const ids = ['H1MSP', 'H2MSP', 'H3MSP'];
    const mgr = new MspManager(cas.map((ca, i) => mspOf(ids[i]!, ca)));
    const peers = await Promise.all(
      cas.map(async (ca, i) => ({
        mspId: ids[i]!,
        identity: mgr.deserializeIdentity(
          (await identity(ca, ids[i]!, { cn: 'peer0', ous: ['peer'] })).serialized,
        ),
      })),
    );
    const [p1, p2, p3] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]];
    const plan = (policy: string, local = p2, more: string[] = []) =>
      endorsementPlan(
        [policy, ...more].map((p) => SignaturePolicy.parse(p)),
        peers,
        local,
      )?.map((p) => p.mspId);
    expect(plan("AND('H1MSP.peer','H2MSP.peer')")).toEqual(['H2MSP', 'H1MSP']);
    expect(plan("OR('H1MSP.peer','H2MSP.peer')")).toEqual(['H2MSP']);
    expect(plan("OR('H1MSP.peer','H3MSP.peer')")).toEqual(['H1MSP']);
    expect(plan("OutOf(2, 'H1MSP.peer','H2MSP.peer','H3MSP.peer')", p3)).toEqual([
      'H3MSP',
      'H1MSP',
    ]);
    expect(plan("AND('H1MSP.admin')", p1)).toBeUndefined();
    // Several policies (a chaincode's and the key-level ones of written keys): all of them.
    expect(plan("OR('H1MSP.peer','H2MSP.peer')", p2, ["OR('H3MSP.peer')"])).toEqual([
      'H2MSP',
      'H3MSP',
    ]);
    expect(plan("OR('H1MSP.peer')", p2, ["OR('H1MSP.peer','H3MSP.peer')"])).toEqual(['H1MSP']);
    expect(plan("OR('H1MSP.peer')", p2, ["OR('H2MSP.peer')"])).toEqual(['H2MSP', 'H1MSP']);
    expect(plan("OR('H1MSP.peer')", p2, ["AND('H9MSP.peer')"])).toBeUndefined();
  });
});
