import type { Grant } from '../src/api';
import {
  H1,
  H2,
  P,
  addRecord,
  codeOf,
  expectOk,
  grantRequest,
  grant,
  idOf,
  world,
} from './support/fixtures';

const toDoctor2 = { type: 'doctor', doctorId: idOf(P.doctor2) };

describe('consent', () => {
  it('only the patient grants; the grant carries keys re-wrapped for the grantee hospital', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    const req = grantRequest({
      grantId: 'g1',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r.recordId] },
      notAfter: '2026-02-01T00:00:00Z',
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    for (const who of [P.doctor1, P.admin1, P.auditor1]) {
      expect(codeOf(await ledger.invoke(who, 'consent:GrantAccess', req))).toBe('FORBIDDEN_ROLE');
    }
    const o = expectOk(await ledger.invoke(P.patient1, 'consent:GrantAccess', req));
    expect(o.result).toMatchObject({
      grantId: 'g1',
      patientId: idOf(P.patient1),
      notAfter: '2026-02-01T00:00:00.000Z',
      access: 'read',
    });
    expect(o.event).toEqual({
      name: 'AccessGranted',
      payload: { grantId: 'g1', patientId: idOf(P.patient1), granteeMsp: H2 },
    });
    const opened = expectOk(
      await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment'),
    ).result as { wrappedKeys: unknown[] };
    expect(opened.wrappedKeys).toEqual([{ keyId: 'h2-k1', wrappedKey: 'AAAA' }]);
  });

  it('a grant is the patient’s own: the patient id comes from the certificate, not the request', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    // patient2 names patient1's record: it is not theirs, reported as not found
    const req = grantRequest({
      grantId: 'g1',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    expect(codeOf(await ledger.invoke(P.patient2, 'consent:GrantAccess', req))).toBe('NOT_FOUND');
    // a patientId field is not even accepted
    expect(
      codeOf(
        await ledger.invoke(
          P.patient2,
          'consent:GrantAccess',
          grantRequest({
            grantId: 'g2',
            patientId: idOf(P.patient1),
            grantee: toDoctor2,
            scope: { type: 'all' },
          }),
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('every record in scope needs a key for the grantee hospital, and no record outside it', async () => {
    const ledger = await world();
    const r1 = await addRecord(ledger, P.doctor1, P.patient1);
    const r2 = await addRecord(ledger, P.doctor1, P.patient1);
    const before = ledger.snapshot();
    const missing = grantRequest({
      grantId: 'g',
      grantee: toDoctor2,
      scope: { type: 'all' },
      wrappedKeys: [{ recordId: r1.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    expect(codeOf(await ledger.invoke(P.patient1, 'consent:GrantAccess', missing))).toBe(
      'WRAPPED_KEY_MISSING',
    );
    const outside = grantRequest({
      grantId: 'g',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r1.recordId] },
      wrappedKeys: [
        { recordId: r1.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' },
        { recordId: r2.recordId, keyId: 'h2-k1', wrappedKey: 'BBBB' },
      ],
    });
    expect(codeOf(await ledger.invoke(P.patient1, 'consent:GrantAccess', outside))).toBe(
      'WRAPPED_KEY_UNEXPECTED',
    );
    const stale = grantRequest({
      grantId: 'g',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r1.recordId] },
      wrappedKeys: [{ recordId: r1.recordId, keyId: 'h2-k0', wrappedKey: 'AAAA' }],
    });
    expect(codeOf(await ledger.invoke(P.patient1, 'consent:GrantAccess', stale))).toBe(
      'STALE_HOSPITAL_KEY',
    );
    expect(ledger.snapshot()).toEqual(before);
    // a grant to a doctor of the patient's own hospital needs no new keys
    await grant(ledger, P.patient1, {
      grantId: 'g-own',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor1b) },
      scope: { type: 'all' },
    });
  });

  it('a record whose key the patient’s hospital cannot open is declared, kept on the grant, and stays unreadable for the grantee', async () => {
    const ledger = await world();
    const r1 = await addRecord(ledger, P.doctor1, P.patient1);
    const r2 = await addRecord(ledger, P.doctor1, P.patient1);
    const r3 = await addRecord(ledger, P.doctor1, P.patient1);
    const before = ledger.snapshot();
    const declare = (grantId: string, keysUnavailable: string[], wrapped = [r1.recordId]) =>
      JSON.stringify({
        ...JSON.parse(
          grantRequest({
            grantId,
            grantee: toDoctor2,
            scope: { type: 'records', recordIds: [r1.recordId, r2.recordId] },
            wrappedKeys: wrapped.map((recordId) => ({
              recordId,
              keyId: 'h2-k1',
              wrappedKey: 'AAAA',
            })),
          }),
        ),
        keysUnavailable,
      });
    // Outside the scope, or both wrapped and declared: refused, nothing written.
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'consent:GrantAccess',
          declare('g', [r2.recordId, r3.recordId]),
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'consent:GrantAccess',
          declare('g', [r1.recordId, r2.recordId], [r1.recordId]),
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(ledger.snapshot()).toEqual(before);

    const granted = expectOk(
      await ledger.invoke(P.patient1, 'consent:GrantAccess', declare('g', [r2.recordId])),
    );
    expect((granted.result as Grant).keysUnavailable).toEqual([r2.recordId]);
    expect(
      expectOk(await ledger.invoke(P.doctor2, 'access:OpenRecord', r1.recordId, 'treatment'))
        .result,
    ).toBeDefined();
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'access:OpenRecord', r2.recordId, 'treatment')),
    ).toBe('KEY_NOT_AVAILABLE');
  });

  it('never overwrites a wrapped key a hospital already holds', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    await grant(ledger, P.patient1, {
      grantId: 'g2',
      grantee: { type: 'hospital', mspId: H2 },
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'ZZZZ' }],
    });
    const opened = expectOk(
      await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment'),
    ).result as { wrappedKeys: unknown[] };
    expect(opened.wrappedKeys).toEqual([{ keyId: 'h2-k1', wrappedKey: 'AAAA' }]);
    // and the author's hospital key cannot be replaced through a grant to its own doctors
    await grant(ledger, P.patient1, {
      grantId: 'g3',
      grantee: { type: 'hospital', mspId: H1 },
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h1-k1', wrappedKey: 'ZZZZ' }],
    });
    const own = expectOk(
      await ledger.invoke(P.doctor1, 'access:OpenRecord', r.recordId, 'treatment'),
    ).result as { wrappedKeys: { wrappedKey: string }[] };
    expect(own.wrappedKeys[0]!.wrappedKey).not.toBe('ZZZZ');
  });

  it.each([
    [
      'a read-write grant limited to some records',
      { scope: { type: 'records', recordIds: ['x'] }, access: 'read-write' },
      'INVALID_ARGUMENT',
    ],
    ['a not-after in the past', { notAfter: '2025-01-01T00:00:00Z' }, 'INVALID_ARGUMENT'],
    ['a not-after that is not a UTC time', { notAfter: 'tomorrow' }, 'INVALID_ARGUMENT'],
    ['an unknown grantee type', { grantee: { type: 'everyone' } }, 'INVALID_ARGUMENT'],
    ['a grantee without id', { grantee: { type: 'doctor' } }, 'MISSING_ARGUMENT'],
    [
      'the patient as grantee',
      { grantee: { type: 'doctor', doctorId: idOf(P.patient1) } },
      'INVALID_ARGUMENT',
    ],
    [
      'an unregistered hospital',
      { grantee: { type: 'hospital', mspId: 'Hospital9MSP' } },
      'HOSPITAL_NOT_REGISTERED',
    ],
    ['an empty record list', { scope: { type: 'records', recordIds: [] } }, 'INVALID_ARGUMENT'],
    [
      'duplicate records',
      { scope: { type: 'records', recordIds: ['a', 'a'] } },
      'INVALID_ARGUMENT',
    ],
    ['an unknown record', { scope: { type: 'records', recordIds: ['nope'] } }, 'NOT_FOUND'],
    ['a missing grant id', { grantId: undefined }, 'MISSING_ARGUMENT'],
  ])('refuses %s', async (_, change, code) => {
    const ledger = await world();
    const before = ledger.snapshot();
    const req = grantRequest({
      grantId: 'g',
      grantee: toDoctor2,
      scope: { type: 'all' },
      ...change,
    });
    expect(codeOf(await ledger.invoke(P.patient1, 'consent:GrantAccess', req))).toBe(code);
    expect(ledger.snapshot()).toEqual(before);
  });

  it('is idempotent on the grant id; another grant under the same id is refused', async () => {
    const ledger = await world();
    const req = grantRequest({ grantId: 'g1', grantee: toDoctor2, scope: { type: 'all' } });
    const first = expectOk(await ledger.invoke(P.patient1, 'consent:GrantAccess', req));
    const again = expectOk(await ledger.invoke(P.patient1, 'consent:GrantAccess', req));
    expect(again.result).toEqual(first.result);
    expect(again.writes).toBe(0);
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'consent:GrantAccess',
          grantRequest({
            grantId: 'g1',
            grantee: { type: 'hospital', mspId: H2 },
            scope: { type: 'all' },
          }),
        ),
      ),
    ).toBe('ALREADY_EXISTS');
    expect(codeOf(await ledger.invoke(P.patient2, 'consent:GrantAccess', req))).toBe(
      'ALREADY_EXISTS',
    );
  });

  it('revocation: only the owner, idempotent, kept in the grant history', async () => {
    const ledger = await world();
    await grant(ledger, P.patient1, { grantId: 'g1', grantee: toDoctor2, scope: { type: 'all' } });
    expect(codeOf(await ledger.invoke(P.patient2, 'consent:RevokeAccess', 'g1'))).toBe('NOT_FOUND');
    expect(codeOf(await ledger.invoke(P.doctor2, 'consent:RevokeAccess', 'g1'))).toBe(
      'FORBIDDEN_ROLE',
    );
    expect(codeOf(await ledger.invoke(P.admin1, 'consent:RevokeAccess', 'g1'))).toBe(
      'FORBIDDEN_ROLE',
    );
    ledger.advance(60_000);
    const o = expectOk(await ledger.invoke(P.patient1, 'consent:RevokeAccess', 'g1'));
    expect(o.event?.name).toBe('AccessRevoked');
    expect((o.result as Grant).revokedAt).toBe(new Date(ledger.now).toISOString());
    const again = expectOk(await ledger.invoke(P.patient1, 'consent:RevokeAccess', 'g1'));
    expect(again.writes).toBe(0);
    const hist = expectOk(await ledger.invoke(P.patient1, 'consent:GetGrantHistory', 'g1'))
      .result as { value: Grant }[];
    expect(hist.map((h) => h.value.revokedAt !== undefined)).toEqual([true, false]);
  });

  it('who may see grants: the patient, the grantee, auditors of the patient’s hospital', async () => {
    const ledger = await world();
    await grant(ledger, P.patient1, { grantId: 'g1', grantee: toDoctor2, scope: { type: 'all' } });
    await grant(ledger, P.patient1, {
      grantId: 'g2',
      grantee: { type: 'hospital', mspId: H2 },
      scope: { type: 'all' },
      notAfter: '2026-01-06T00:00:00Z',
    });
    const get = async (who: typeof P.patient1) =>
      codeOf(await ledger.invoke(who, 'consent:GetGrant', 'g1'));
    expect([await get(P.patient1), await get(P.doctor2), await get(P.auditor1)]).toEqual([
      'OK',
      'OK',
      'OK',
    ]);
    expect([
      await get(P.doctor2b),
      await get(P.doctor1),
      await get(P.auditor2),
      await get(P.patient2),
      await get(P.admin1),
    ]).toEqual([
      'ACCESS_DENIED',
      'ACCESS_DENIED',
      'ACCESS_DENIED',
      'ACCESS_DENIED',
      'FORBIDDEN_ROLE',
    ]);
    const list = expectOk(await ledger.invoke(P.auditor1, 'consent:ListGrants', idOf(P.patient1)))
      .result as Grant[];
    expect(list.map((g) => g.grantId)).toEqual(['g1', 'g2']);
    expect(codeOf(await ledger.invoke(P.admin1, 'consent:ListGrants', idOf(P.patient1)))).toBe(
      'FORBIDDEN_ROLE',
    );
    expect(codeOf(await ledger.invoke(P.patient2, 'consent:ListGrants', idOf(P.patient1)))).toBe(
      'ACCESS_DENIED',
    );
    const toMe = async (who: typeof P.patient1) =>
      (expectOk(await ledger.invoke(who, 'consent:ListGrantsToMe')).result as Grant[]).map(
        (g) => g.grantId,
      );
    expect(await toMe(P.doctor2)).toEqual(['g1', 'g2']);
    expect(await toMe(P.doctor2b)).toEqual(['g2']);
    ledger.advance(24 * 3600_000); // g2 expires
    expect(await toMe(P.doctor2b)).toEqual([]);
  });

  it('PrepareGrant tells the patient’s gateway what to re-wrap', async () => {
    const ledger = await world();
    const r1 = await addRecord(ledger, P.doctor1, P.patient1);
    const r2 = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: toDoctor2,
      scope: { type: 'records', recordIds: [r1.recordId] },
      wrappedKeys: [{ recordId: r1.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    const prep = expectOk(
      await ledger.invoke(
        P.patient1,
        'consent:PrepareGrant',
        JSON.stringify({ type: 'hospital', mspId: H2 }),
        JSON.stringify({ type: 'all' }),
      ),
    ).result as {
      keyHolder: { mspId: string; keyId: string };
      records: { recordId: string; wrappedKeys: { keyId: string }[] }[];
    };
    expect(prep.keyHolder).toMatchObject({ mspId: H2, keyId: 'h2-k1' });
    expect(prep.records.map((r) => r.recordId)).toEqual([r2.recordId]);
    expect(prep.records[0]!.wrappedKeys.map((w) => w.keyId)).toEqual(['h1-k1']);
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor1,
          'consent:PrepareGrant',
          '{"type":"hospital","mspId":"Hospital2MSP"}',
          '{"type":"all"}',
        ),
      ),
    ).toBe('FORBIDDEN_ROLE');
  });
});
