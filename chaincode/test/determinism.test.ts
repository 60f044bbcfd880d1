// Both hospitals' peers must compute byte-identical results (endorsement policy AND of both).
// A static guard against the usual sources of non-determinism in chaincode, and a replay of the
// same transactions on two independent ledgers compared byte for byte.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  H1,
  H2,
  P,
  addRecord,
  cidOf,
  grantRequest,
  idOf,
  registerRequest,
  sha256,
  testKeys,
} from './support/fixtures';
import { MemoryLedger } from './support/memory-ledger';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Files that never run inside a transaction (the supervisor's service definition and packaging).
const OUTSIDE_TRANSACTIONS = ['service.ts', 'packaging.ts', 'authz-matrix.ts'];

describe('determinism', () => {
  it.each([
    ['Date.now()', /Date\.now\(/],
    ['new Date() without an argument', /new Date\(\s*\)/],
    ['Math.random', /Math\.random/],
    ['random bytes or UUIDs', /random(Bytes|UUID|Int)|getRandomValues/],
    ['clocks', /performance\.now|process\.hrtime/],
    ['timers', /setTimeout|setInterval/],
    [
      'iteration over object keys without sorting (use canonicalJson or sort)',
      /for\s*\(\s*const\s+\w+\s+in\s/,
    ],
  ])('no transaction code uses %s', (_, pattern) => {
    const offenders = sources(join(__dirname, '..', 'src'))
      .filter((f) => !OUTSIDE_TRANSACTIONS.some((o) => f.endsWith(o)))
      .filter((f) => pattern.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('two ledgers replaying the same transactions hold byte-identical state and results', async () => {
    const run = async () => {
      const ledger = new MemoryLedger();
      const k = testKeys();
      const results: string[] = [];
      const go = async (who: typeof P.admin1, fn: string, ...args: string[]) => {
        ledger.advance(7);
        results.push(JSON.stringify(await ledger.invoke(who, fn, ...args)));
      };
      await go(P.admin1, 'hospitals:RegisterHospital', registerRequest(H1, 'h1-k1', k.rsa));
      await go(
        P.admin2,
        'hospitals:RegisterHospital',
        registerRequest(H2, 'h2-k1', k.ec, 'ECIES-P256'),
      );
      await go(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1));
      const r = await addRecord(ledger, P.doctor1, P.patient1, {
        recordId: 'same-record',
        cid: cidOf('same'),
        sha256: sha256('same'),
        size: 4096,
        remarkHash: sha256('remark'),
        wrappedKeys: [{ mspId: H1, keyId: 'h1-k1', wrappedKey: 'QUJD' }],
      });
      await go(
        P.patient1,
        'consent:GrantAccess',
        grantRequest({
          grantId: 'g',
          grantee: { type: 'hospital', mspId: H2 },
          scope: { type: 'all' },
          wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
        }),
      );
      await go(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment');
      await go(
        P.doctor2b,
        'access:BreakGlass',
        idOf(P.patient1),
        'Unconscious on arrival, needs history now',
      );
      await go(P.patient1, 'access:ListAccessEvents', idOf(P.patient1));
      return { results, state: ledger.snapshot(), events: ledger.events };
    };
    const a = await run();
    const b = await run();
    expect(b.results).toEqual(a.results);
    expect([...b.state]).toEqual([...a.state]);
    expect(b.events).toEqual(a.events);
  });
});
