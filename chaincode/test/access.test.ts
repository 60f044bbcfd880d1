import type { AccessEvent, BreakGlass, OpenRecordResult, Page } from '../src/api';
import {
  H1,
  H2,
  P,
  addRecord,
  codeOf,
  expectOk,
  grant,
  idOf,
  registerRequest,
  testKeys,
  world,
} from './support/fixtures';
import type { MemoryLedger } from './support/memory-ledger';

const HOUR = 3600_000;
const reason = 'Unconscious on arrival, no other record access possible';

async function log(ledger: MemoryLedger, ...args: string[]): Promise<Page<AccessEvent>> {
  return expectOk(
    await ledger.invoke(P.patient1, 'access:ListAccessEvents', idOf(P.patient1), ...args),
  ).result as Page<AccessEvent>;
}

describe('OpenRecord', () => {
  it('authorizes, logs the read with its basis and returns the caller hospital’s wrapped key', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    ledger.advance(HOUR);
    const o = expectOk(
      await ledger.invoke(P.patient1, 'access:OpenRecord', r.recordId, 'patient-access'),
    );
    const res = o.result as OpenRecordResult;
    expect(res.record).toEqual(r);
    expect(res.wrappedKeys).toHaveLength(1);
    expect(res.event).toMatchObject({
      readerId: idOf(P.patient1),
      readerMsp: H1,
      readerRole: 'patient',
      purpose: 'patient-access',
      basis: { type: 'self' },
      at: new Date(ledger.now).toISOString(),
    });
    expect(o.event).toEqual({
      name: 'RecordOpened',
      payload: {
        eventId: res.event.eventId,
        recordId: r.recordId,
        patientId: idOf(P.patient1),
        readerMsp: H1,
        basis: 'self',
      },
    });
    // the event and its index by reader hospital
    expect(o.writes).toBe(2);
    expect((await log(ledger)).items).toEqual([res.event]);
  });

  it('records the basis: author, assignment, grant', async () => {
    const ledger = await world();
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1b)),
    );
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: { type: 'hospital', mspId: H2 },
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    const basis = async (who: typeof P.doctor1) =>
      (
        expectOk(await ledger.invoke(who, 'access:OpenRecord', r.recordId, 'treatment'))
          .result as OpenRecordResult
      ).event.basis;
    expect(await basis(P.doctor1)).toEqual({ type: 'author' });
    expect(await basis(P.doctor1b)).toEqual({ type: 'assignment' });
    expect(await basis(P.doctor2b)).toEqual({ type: 'grant', grantId: 'g1' });
  });

  it('refusals are coded and write nothing', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    const before = ledger.snapshot();
    const open = async (who: typeof P.doctor1, id = r.recordId, purpose = 'treatment') =>
      codeOf(await ledger.invoke(who, 'access:OpenRecord', id, purpose));
    expect(await open(P.doctor1b)).toBe('ACCESS_DENIED');
    expect(await open(P.doctor2)).toBe('ACCESS_DENIED');
    expect(await open(P.patient2)).toBe('ACCESS_DENIED');
    expect(await open(P.patient3)).toBe('ACCESS_DENIED');
    expect(await open(P.admin1)).toBe('FORBIDDEN_ROLE');
    expect(await open(P.auditor1)).toBe('FORBIDDEN_ROLE');
    expect(await open(P.doctor1, 'missing')).toBe('NOT_FOUND');
    expect(await open(P.doctor1, r.recordId, 'curiosity')).toBe('INVALID_ARGUMENT');
    expect(codeOf(await ledger.invoke(P.doctor1, 'access:OpenRecord', r.recordId))).toBe(
      'MISSING_ARGUMENT',
    );
    expect(ledger.snapshot()).toEqual(before);
  });

  it('an expired grant stops working with no transaction; a revoked one at once', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    const notAfter = new Date(ledger.now + 2 * HOUR).toISOString();
    await grant(ledger, P.patient1, {
      grantId: 'g-exp',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'all' },
      notAfter,
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    await grant(ledger, P.patient1, {
      grantId: 'g-rev',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2b) },
      scope: { type: 'all' },
    });
    ledger.advance(HOUR);
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('OK');
    expect(
      codeOf(await ledger.invoke(P.doctor2b, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('OK');
    expectOk(await ledger.invoke(P.patient1, 'consent:RevokeAccess', 'g-rev'));
    expect(
      codeOf(await ledger.invoke(P.doctor2b, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('CONSENT_REVOKED');
    ledger.advance(HOUR); // exactly at not-after: expired
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('CONSENT_EXPIRED');
    expect((await log(ledger)).items.map((e) => e.readerId)).toEqual([
      idOf(P.doctor2),
      idOf(P.doctor2b),
    ]);
  });

  it('a grant to one record does not open another', async () => {
    const ledger = await world();
    const r1 = await addRecord(ledger, P.doctor1, P.patient1);
    const r2 = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor1b) },
      scope: { type: 'records', recordIds: [r1.recordId] },
    });
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r1.recordId, 'treatment')),
    ).toBe('OK');
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r2.recordId, 'treatment')),
    ).toBe('ACCESS_DENIED');
  });

  it('a grant to all records covers records added later', async () => {
    const ledger = await world();
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'all' },
    });
    const later = await addRecord(ledger, P.doctor1, P.patient1);
    const res = expectOk(
      await ledger.invoke(P.doctor2, 'access:OpenRecord', later.recordId, 'treatment'),
    ).result as OpenRecordResult;
    expect(res.wrappedKeys[0]!.keyId).toBe('h2-k1');
  });

  it('an assignment that ended no longer opens records', async () => {
    const ledger = await world();
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1b)),
    );
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('OK');
    expectOk(
      await ledger.invoke(
        P.admin1,
        'assignments:EndAssignment',
        idOf(P.patient1),
        idOf(P.doctor1b),
      ),
    );
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r.recordId, 'treatment')),
    ).toBe('ACCESS_DENIED');
  });

  it('keeps reading possible after the reader hospital rotates its key (the old wrapped key is returned)', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    expectOk(
      await ledger.invoke(
        P.admin1,
        'hospitals:RegisterHospital',
        registerRequest(H1, 'h1-k2', testKeys().rsa2),
      ),
    );
    const res = expectOk(
      await ledger.invoke(P.doctor1, 'access:OpenRecord', r.recordId, 'treatment'),
    ).result as OpenRecordResult;
    expect(res.wrappedKeys.map((w) => w.keyId)).toEqual(['h1-k1']);
  });
});

describe('break-glass', () => {
  it('needs a doctor and a reason of at least 20 characters', async () => {
    const ledger = await world();
    const before = ledger.snapshot();
    const bg = async (who: typeof P.doctor1, why: string) =>
      codeOf(await ledger.invoke(who, 'access:BreakGlass', idOf(P.patient1), why));
    expect(await bg(P.doctor2, 'emergency')).toBe('REASON_TOO_SHORT');
    expect(await bg(P.doctor2, `   ${'x'.repeat(19)}      `)).toBe('REASON_TOO_SHORT');
    expect(await bg(P.doctor2, '')).toBe('MISSING_ARGUMENT');
    expect(await bg(P.doctor2, 'x'.repeat(1001))).toBe('ARGUMENT_TOO_LONG');
    expect(await bg(P.doctor2, `${reason}\u0007`)).toBe('INVALID_ARGUMENT');
    expect(await bg(P.patient1, reason)).toBe('FORBIDDEN_ROLE');
    expect(await bg(P.admin1, reason)).toBe('FORBIDDEN_ROLE');
    expect(await bg(P.auditor1, reason)).toBe('FORBIDDEN_ROLE');
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'access:BreakGlass', 'not-a-person', reason)),
    ).toBe('INVALID_ARGUMENT');
    expect(ledger.snapshot()).toEqual(before);
  });

  it('opens the patient’s records for 24 hours, logged with the reason, listed apart', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    // without it, refused
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r.recordId, 'emergency')),
    ).toBe('ACCESS_DENIED');
    const declared = expectOk(
      await ledger.invoke(P.doctor1b, 'access:BreakGlass', idOf(P.patient1), reason),
    );
    const bg = declared.result as BreakGlass;
    expect(declared.event?.name).toBe('BreakGlassDeclared');
    expect(Date.parse(bg.expiresAt) - Date.parse(bg.declaredAt)).toBe(24 * HOUR);
    const opened = expectOk(
      await ledger.invoke(P.doctor1b, 'access:OpenRecord', r.recordId, 'emergency'),
    ).result as OpenRecordResult;
    expect(opened.event.basis).toEqual({
      type: 'break-glass',
      breakGlassId: bg.breakGlassId,
      reason,
    });
    // visible to the patient and the patient's hospital's auditors, apart from ordinary reads
    for (const who of [P.patient1, P.auditor1]) {
      const list = expectOk(await ledger.invoke(who, 'access:ListBreakGlass', idOf(P.patient1)))
        .result as BreakGlass[];
      expect(list).toEqual([bg]);
    }
    expect(codeOf(await ledger.invoke(P.auditor2, 'access:ListBreakGlass', idOf(P.patient1)))).toBe(
      'ACCESS_DENIED',
    );
    expect(codeOf(await ledger.invoke(P.doctor1b, 'access:ListBreakGlass', idOf(P.patient1)))).toBe(
      'FORBIDDEN_ROLE',
    );
    expect(codeOf(await ledger.invoke(P.admin1, 'access:ListBreakGlass', idOf(P.patient1)))).toBe(
      'FORBIDDEN_ROLE',
    );
    const byHospital = expectOk(await ledger.invoke(P.auditor1, 'access:ListBreakGlassByHospital'))
      .result as BreakGlass[];
    expect(byHospital).toEqual([bg]);
    expect(
      expectOk(await ledger.invoke(P.auditor2, 'access:ListBreakGlassByHospital')).result,
    ).toEqual([]);
    // after 24 hours it is over
    ledger.advance(24 * HOUR);
    expect(
      codeOf(await ledger.invoke(P.doctor1b, 'access:OpenRecord', r.recordId, 'emergency')),
    ).toBe('ACCESS_DENIED');
  });

  it('is used only when no ordinary basis applies', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    expectOk(await ledger.invoke(P.doctor1, 'access:BreakGlass', idOf(P.patient1), reason));
    const opened = expectOk(
      await ledger.invoke(P.doctor1, 'access:OpenRecord', r.recordId, 'treatment'),
    ).result as OpenRecordResult;
    expect(opened.event.basis).toEqual({ type: 'author' });
  });

  it('at another hospital it authorizes, but there is no data key for that hospital', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    expectOk(await ledger.invoke(P.doctor2, 'access:BreakGlass', idOf(P.patient1), reason));
    const before = ledger.snapshot();
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'emergency')),
    ).toBe('KEY_NOT_AVAILABLE');
    expect(ledger.snapshot()).toEqual(before);
  });
});

describe('ListAccessEvents', () => {
  async function worldWithReads(n: number) {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    const times: string[] = [];
    for (let i = 0; i < n; i++) {
      ledger.advance(HOUR);
      const ev = (
        expectOk(await ledger.invoke(P.doctor1, 'access:OpenRecord', r.recordId, 'treatment'))
          .result as OpenRecordResult
      ).event;
      times.push(ev.at);
    }
    return { ledger, times };
  }

  it('pages through every event exactly once, oldest first', async () => {
    const { ledger, times } = await worldWithReads(7);
    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const p = await log(ledger, '', '', '3', bookmark);
      seen.push(...p.items.map((e) => e.at));
      bookmark = p.bookmark;
      pages++;
    } while (bookmark);
    expect(seen).toEqual(times);
    expect(pages).toBe(3);
  });

  it('filters by time window [from, to]', async () => {
    const { ledger, times } = await worldWithReads(6);
    const p = await log(ledger, times[1]!, times[3]!);
    expect(p.items.map((e) => e.at)).toEqual(times.slice(1, 4));
    expect(p.bookmark).toBe('');
    const paged = await log(ledger, times[1]!, times[4]!, '2');
    expect(paged.items.map((e) => e.at)).toEqual(times.slice(1, 3));
    const rest = await log(ledger, times[1]!, times[4]!, '2', paged.bookmark);
    expect(rest.items.map((e) => e.at)).toEqual(times.slice(3, 5));
  });

  it('refuses a bookmark that points outside the patient’s log', async () => {
    const ledger = await world();
    const r3 = await (async () => {
      expectOk(
        await ledger.invoke(
          P.admin2,
          'assignments:AssignDoctor',
          idOf(P.patient3),
          idOf(P.doctor2),
        ),
      );
      return addRecord(ledger, P.doctor2, P.patient3);
    })();
    expectOk(await ledger.invoke(P.doctor2, 'access:OpenRecord', r3.recordId, 'treatment'));
    // a key in another patient's log (it sorts before patient1's): must not be accepted
    const foreign = `\u0000access\u0000${idOf(P.patient1).slice(0, 5)}`;
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'access:ListAccessEvents',
          idOf(P.patient1),
          '',
          '',
          '10',
          foreign,
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'access:ListAccessEvents',
          idOf(P.patient1),
          '',
          '',
          '10',
          `\u0000access\u0000${idOf(P.patient3)}\u0000`,
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it.each([
    ['a page size of 0', ['', '', '0'], 'INVALID_ARGUMENT'],
    ['a page size over 100', ['', '', '101'], 'INVALID_ARGUMENT'],
    ['a page size that is not a number', ['', '', 'ten'], 'INVALID_ARGUMENT'],
    ['from after to', ['2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z'], 'INVALID_ARGUMENT'],
    ['a malformed from', ['yesterday'], 'INVALID_ARGUMENT'],
  ])('refuses %s', async (_, args, code) => {
    const ledger = await world();
    expect(
      codeOf(await ledger.invoke(P.patient1, 'access:ListAccessEvents', idOf(P.patient1), ...args)),
    ).toBe(code);
  });

  it('is the patient’s and their hospital auditors’ only', async () => {
    const ledger = await world();
    const list = async (who: typeof P.patient1) =>
      codeOf(await ledger.invoke(who, 'access:ListAccessEvents', idOf(P.patient1)));
    expect(await list(P.patient1)).toBe('OK');
    expect(await list(P.auditor1)).toBe('OK');
    expect(await list(P.auditor2)).toBe('ACCESS_DENIED');
    expect(await list(P.patient2)).toBe('ACCESS_DENIED');
    expect(await list(P.doctor1)).toBe('FORBIDDEN_ROLE');
    expect(await list(P.admin1)).toBe('FORBIDDEN_ROLE');
  });
});

describe('ListAccessEventsByReaderHospital', () => {
  it('shows an auditor the reads made by their own hospital’s people, of any hospital’s patients', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'all' },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    const reads: string[] = [];
    for (const who of [P.doctor2, P.doctor1, P.doctor2, P.patient1]) {
      ledger.advance(HOUR);
      reads.push(
        (
          expectOk(await ledger.invoke(who, 'access:OpenRecord', r.recordId, 'treatment'))
            .result as OpenRecordResult
        ).event.eventId,
      );
    }
    const byH2 = expectOk(
      await ledger.invoke(P.auditor2, 'access:ListAccessEventsByReaderHospital'),
    ).result as Page<AccessEvent>;
    expect(byH2.items.map((e) => e.eventId)).toEqual([reads[0], reads[2]]);
    expect(byH2.items.every((e) => e.readerMsp === H2 && e.patientId === idOf(P.patient1))).toBe(
      true,
    );
    const byH1 = expectOk(
      await ledger.invoke(P.auditor1, 'access:ListAccessEventsByReaderHospital', '', '', '1'),
    ).result as Page<AccessEvent>;
    expect(byH1.items.map((e) => e.eventId)).toEqual([reads[1]]);
    const next = expectOk(
      await ledger.invoke(
        P.auditor1,
        'access:ListAccessEventsByReaderHospital',
        '',
        '',
        '1',
        byH1.bookmark,
      ),
    ).result as Page<AccessEvent>;
    expect(next.items.map((e) => e.eventId)).toEqual([reads[3]]);
    expect(next.bookmark).toBe('');
    // auditor2 cannot page into Hospital1's staff log with a crafted bookmark
    expect(
      codeOf(
        await ledger.invoke(
          P.auditor2,
          'access:ListAccessEventsByReaderHospital',
          '',
          '',
          '10',
          byH1.bookmark,
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
    for (const who of [P.admin1, P.doctor1, P.patient1]) {
      expect(codeOf(await ledger.invoke(who, 'access:ListAccessEventsByReaderHospital'))).toBe(
        'FORBIDDEN_ROLE',
      );
    }
  });
});
