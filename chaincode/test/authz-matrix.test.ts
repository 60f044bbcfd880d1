// The authorization matrix against the in-memory ledger: every transaction × every kind of
// caller, each cell asserted. test/chaincode/ runs the same table against devnet or Fabric.
import {
  ACTORS,
  ACTOR_NAMES,
  type Actor,
  type MatrixDriver,
  MATRIX,
  formatMatrix,
  prepareScenario,
  runMatrix,
} from '../src/authz-matrix';
import { contracts } from '../src';
import { H1, H2, testKeys } from './support/fixtures';
import { MemoryLedger, type Person, person } from './support/memory-ledger';

function memoryDriver(ledger: MemoryLedger): MatrixDriver {
  const people = Object.fromEntries(
    ACTOR_NAMES.map((a) => {
      const spec = ACTORS[a];
      const msp = spec.hospital === 'A' ? H1 : H2;
      const uid = a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return [a, spec.role === null ? { mspId: msp, attrs: {} } : person(msp, spec.role, uid)];
    }),
  ) as Record<Actor, Person>;
  return {
    msp: { A: H1, B: H2 },
    hospitalKey: {
      A: { keyId: 'h1-k1', algorithm: 'RSA-OAEP-3072', publicKeyPem: testKeys().rsa },
      B: { keyId: 'h2-k1', algorithm: 'ECIES-P256', publicKeyPem: testKeys().ec },
    },
    runId: 'unit',
    personId: (a) => `${people[a].mspId}/${people[a].attrs.uid}`,
    invoke: async (a, fn, args) => {
      ledger.advance(10);
      const o = await ledger.invoke(people[a], fn, ...args);
      return o.ok ? { ok: true, result: o.result } : { ok: false, code: o.code ?? o.message };
    },
    now: () => ledger.now + 10,
    waitUntil: async (ms) => {
      if (ledger.now < ms) ledger.now = ms;
    },
    expiryDelayMillis: 60_000,
  };
}

describe('authorization matrix (in-memory ledger)', () => {
  it('every transaction × every caller gives the expected outcome', async () => {
    const ledger = new MemoryLedger();
    const d = memoryDriver(ledger);
    const s = await prepareScenario(d);
    const cells = await runMatrix(d, s);
    console.log(`authorization matrix (unit)\n${formatMatrix(cells)}`);
    expect(cells).toHaveLength(MATRIX.length * ACTOR_NAMES.length);
    for (const c of cells) {
      // one assertion per cell, named, so a failure says which one
      expect({ cell: `${c.tx} × ${c.actor}`, outcome: c.actual }).toEqual({
        cell: `${c.tx} × ${c.actor}`,
        outcome: c.expected,
      });
    }
  });

  it('the table covers every transaction of every contract', () => {
    const all = contracts.flatMap((C) => {
      const c = new C();
      return Object.getOwnPropertyNames(Object.getPrototypeOf(c))
        .filter((n) => n !== 'constructor' && !n.startsWith('_'))
        .map((n) => `${c.getName()}:${n}`);
    });
    expect(MATRIX.map((r) => r.tx).sort()).toEqual(all.sort());
  });
});
