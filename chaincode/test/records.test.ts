import type { KeyHolder, RecordMeta } from '../src/api';
import {
  H1,
  H2,
  P,
  addRecord,
  cidOf,
  codeOf,
  expectOk,
  grant,
  idOf,
  recordRequest,
  sha256,
  world,
} from './support/fixtures';

describe('AddRecord', () => {
  it('an assigned doctor adds a record: metadata, transaction time, key for the hospital, event', async () => {
    const ledger = await world();
    const req = recordRequest(P.patient1);
    const o = expectOk(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)));
    const rec = o.result as RecordMeta;
    expect(rec).toMatchObject({
      recordId: req.recordId,
      patientId: idOf(P.patient1),
      authorId: idOf(P.doctor1),
      authorMsp: H1,
      cid: req.cid,
      sha256: req.sha256,
      createdAt: new Date(ledger.now).toISOString(),
    });
    expect(rec).not.toHaveProperty('wrappedKeys');
    expect(o.event).toEqual({
      name: 'RecordAdded',
      payload: { recordId: req.recordId, patientId: idOf(P.patient1), authorMsp: H1 },
    });
    // one record, two indexes, one wrapped key
    expect(o.writes).toBe(4);
  });

  it('is idempotent on the record id: a retry returns the record and writes nothing', async () => {
    const ledger = await world();
    const req = recordRequest(P.patient1);
    const first = expectOk(
      await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)),
    );
    ledger.advance(5000);
    const retry = {
      ...req,
      wrappedKeys: req.wrappedKeys.map((w) => ({
        ...w,
        wrappedKey: Buffer.from('re-randomised').toString('base64'),
      })),
    };
    const second = expectOk(
      await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(retry)),
    );
    expect(second.result).toEqual(first.result);
    expect(second.writes).toBe(0);
    expect(second.event).toBeUndefined();
    const list = expectOk(await ledger.invoke(P.patient1, 'records:ListRecords', idOf(P.patient1)))
      .result as RecordMeta[];
    expect(list).toHaveLength(1);
  });

  it('refuses the same record id with other content', async () => {
    const ledger = await world();
    const req = recordRequest(P.patient1);
    expectOk(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)));
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor1,
          'records:AddRecord',
          JSON.stringify({ ...req, sha256: sha256('other') }),
        ),
      ),
    ).toBe('ALREADY_EXISTS');
  });

  it.each([
    ['an unassigned doctor of the same hospital', P.doctor1b, 'NOT_ASSIGNED'],
    ['a doctor of the other hospital', P.doctor2, 'NOT_ASSIGNED'],
    ['the patient', P.patient1, 'FORBIDDEN_ROLE'],
    ['an admin', P.admin1, 'FORBIDDEN_ROLE'],
    ['an auditor', P.auditor1, 'FORBIDDEN_ROLE'],
  ])('refuses %s', async (_, who, code) => {
    const ledger = await world();
    const before = ledger.snapshot();
    expect(
      codeOf(
        await ledger.invoke(who, 'records:AddRecord', JSON.stringify(recordRequest(P.patient1))),
      ),
    ).toBe(code);
    expect(ledger.snapshot()).toEqual(before);
  });

  it('a doctor whose assignment ended can no longer add records', async () => {
    const ledger = await world();
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:EndAssignment', idOf(P.patient1), idOf(P.doctor1)),
    );
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor1,
          'records:AddRecord',
          JSON.stringify(recordRequest(P.patient1)),
        ),
      ),
    ).toBe('NOT_ASSIGNED');
  });

  it('a read-write grant lets a doctor of another hospital add records, wrapped for both hospitals', async () => {
    const ledger = await world();
    await grant(ledger, P.patient1, {
      grantId: 'g-rw',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'all' },
      access: 'read-write',
    });
    const holders = expectOk(
      await ledger.invoke(P.doctor2, 'records:GetKeyHolders', idOf(P.patient1)),
    ).result as KeyHolder[];
    expect(holders.map((h) => [h.mspId, h.keyId, h.algorithm])).toEqual([
      [H1, 'h1-k1', 'RSA-OAEP-3072'],
      [H2, 'h2-k1', 'ECIES-P256'],
    ]);
    // only the author's hospital: the patient's hospital is missing
    const onlyH2 = recordRequest(P.patient1, {}, [H2]);
    expect(
      codeOf(await ledger.invoke(P.doctor2, 'records:AddRecord', JSON.stringify(onlyH2))),
    ).toBe('WRAPPED_KEY_MISSING');
    const rec = await addRecord(ledger, P.doctor2, P.patient1);
    expect(rec.authorMsp).toBe(H2);
    // a read-only grant does not allow writing
    await grant(ledger, P.patient1, {
      grantId: 'g-ro',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2b) },
      scope: { type: 'all' },
      wrappedKeys: [{ recordId: rec.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor2b,
          'records:AddRecord',
          JSON.stringify(recordRequest(P.patient1, {}, [H1, H2])),
        ),
      ),
    ).toBe('NOT_ASSIGNED');
  });

  it('wraps for exactly the key holders: no hospital without consent gets the data key', async () => {
    const ledger = await world();
    const extra = recordRequest(P.patient1, {}, [H1, H2]);
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(extra)))).toBe(
      'WRAPPED_KEY_UNEXPECTED',
    );
    // an all-records grant to Hospital2 makes Hospital2 a key holder of new records
    await grant(ledger, P.patient1, {
      grantId: 'g-h2',
      grantee: { type: 'hospital', mspId: H2 },
      scope: { type: 'all' },
    });
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor1,
          'records:AddRecord',
          JSON.stringify(recordRequest(P.patient1)),
        ),
      ),
    ).toBe('WRAPPED_KEY_MISSING');
    expectOk(
      await ledger.invoke(
        P.doctor1,
        'records:AddRecord',
        JSON.stringify(recordRequest(P.patient1, {}, [H1, H2])),
      ),
    );
    // revoked: Hospital2 must not receive new keys again
    expectOk(await ledger.invoke(P.patient1, 'consent:RevokeAccess', 'g-h2'));
    expect(
      codeOf(
        await ledger.invoke(
          P.doctor1,
          'records:AddRecord',
          JSON.stringify(recordRequest(P.patient1, {}, [H1, H2])),
        ),
      ),
    ).toBe('WRAPPED_KEY_UNEXPECTED');
  });

  it('refuses a key wrapped under a hospital key that is no longer current', async () => {
    const ledger = await world();
    const req = recordRequest(P.patient1);
    req.wrappedKeys[0]!.keyId = 'h1-old';
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)))).toBe(
      'STALE_HOSPITAL_KEY',
    );
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a missing CID', { cid: undefined }, 'MISSING_ARGUMENT'],
    ['a malformed CID', { cid: 'QmNotACid' }, 'INVALID_CID'],
    ['a CID with a broken digest', { cid: cidOf('x').slice(0, -3) }, 'INVALID_CID'],
    ['a malformed hash', { sha256: 'abc' }, 'INVALID_HASH'],
    ['an upper-case hash', { sha256: sha256('x').toUpperCase() }, 'INVALID_HASH'],
    ['a malformed remark hash', { remarkHash: 'not-a-hash' }, 'INVALID_HASH'],
    ['a size as a string', { size: '1024' }, 'INVALID_ARGUMENT'],
    ['a negative size', { size: -1 }, 'INVALID_ARGUMENT'],
    ['an unknown category', { category: 'diary' }, 'INVALID_ARGUMENT'],
    ['a malformed media type', { mediaType: 'pdf' }, 'INVALID_ARGUMENT'],
    ['an oversized record id', { recordId: 'r'.repeat(65) }, 'ARGUMENT_TOO_LONG'],
    ['a record id with a separator', { recordId: 'a\u0000b' }, 'INVALID_ARGUMENT'],
    ['a patient id that is not msp/uid', { patientId: 'patient-1' }, 'INVALID_ARGUMENT'],
    ['plaintext smuggled in an unknown field', { patientName: 'Jane Doe' }, 'INVALID_ARGUMENT'],
    ['no wrapped keys', { wrappedKeys: [] }, 'INVALID_ARGUMENT'],
    [
      'a wrapped key that is not base64',
      { wrappedKeys: [{ mspId: H1, keyId: 'h1-k1', wrappedKey: 'not base64!' }] },
      'INVALID_ARGUMENT',
    ],
    [
      'the same hospital twice',
      {
        wrappedKeys: [
          { mspId: H1, keyId: 'h1-k1', wrappedKey: 'AAAA' },
          { mspId: H1, keyId: 'h1-k1', wrappedKey: 'BBBB' },
        ],
      },
      'INVALID_ARGUMENT',
    ],
  ];
  it.each(bad)('refuses %s with a stable code and writes nothing', async (_, change, code) => {
    const ledger = await world();
    const before = ledger.snapshot();
    const req = { ...recordRequest(P.patient1), ...change };
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)))).toBe(
      code,
    );
    expect(ledger.snapshot()).toEqual(before);
  });

  it('refuses a missing or non-JSON request', async () => {
    const ledger = await world();
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord'))).toBe('MISSING_ARGUMENT');
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', '{'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', '{}', 'extra'))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('record metadata and listing', () => {
  it('lists what each caller may see, oldest first, never with wrapped keys', async () => {
    const ledger = await world();
    const r1 = await addRecord(ledger, P.doctor1, P.patient1);
    ledger.advance(1000);
    const r2 = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g1',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'records', recordIds: [r2.recordId] },
      wrappedKeys: [{ recordId: r2.recordId, keyId: 'h2-k1', wrappedKey: 'AAAA' }],
    });
    const ids = async (who: typeof P.patient1) => {
      const o = await ledger.invoke(who, 'records:ListRecords', idOf(P.patient1));
      return o.ok ? (o.result as RecordMeta[]).map((r) => r.recordId) : codeOf(o);
    };
    expect(await ids(P.patient1)).toEqual([r1.recordId, r2.recordId]);
    expect(await ids(P.doctor1)).toEqual([r1.recordId, r2.recordId]);
    expect(await ids(P.doctor2)).toEqual([r2.recordId]);
    expect(await ids(P.doctor2b)).toEqual([]);
    expect(await ids(P.doctor1b)).toEqual([]);
    expect(await ids(P.auditor1)).toEqual([r1.recordId, r2.recordId]);
    expect(await ids(P.auditor2)).toBe('ACCESS_DENIED');
    expect(await ids(P.patient2)).toBe('ACCESS_DENIED');
    expect(await ids(P.admin1)).toBe('FORBIDDEN_ROLE');
    const all = JSON.stringify(
      expectOk(await ledger.invoke(P.auditor1, 'records:ListRecords', idOf(P.patient1))).result,
    );
    expect(all).not.toContain('wrapped');
  });

  it('gives auditors the metadata hashes of their hospital records, and admins nothing', async () => {
    const ledger = await world();
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    const meta = expectOk(await ledger.invoke(P.auditor1, 'records:GetRecordMetadata', r.recordId))
      .result as RecordMeta;
    expect(meta).toMatchObject({ sha256: r.sha256, cid: r.cid, remarkHash: r.remarkHash });
    expect(codeOf(await ledger.invoke(P.auditor2, 'records:GetRecordMetadata', r.recordId))).toBe(
      'ACCESS_DENIED',
    );
    expect(codeOf(await ledger.invoke(P.admin1, 'records:GetRecordMetadata', r.recordId))).toBe(
      'FORBIDDEN_ROLE',
    );
    expect(codeOf(await ledger.invoke(P.doctor1b, 'records:GetRecordMetadata', r.recordId))).toBe(
      'ACCESS_DENIED',
    );
    expect(
      codeOf(await ledger.invoke(P.patient1, 'records:GetRecordMetadata', 'no-such-record')),
    ).toBe('NOT_FOUND');
  });

  it('counts records per hospital for admins', async () => {
    const ledger = await world();
    await addRecord(ledger, P.doctor1, P.patient1);
    await addRecord(ledger, P.doctor1, P.patient1);
    expect(
      expectOk(await ledger.invoke(P.admin1, 'hospitals:GetHospitalStats')).result,
    ).toMatchObject({ recordsAuthored: 2 });
    expect(
      expectOk(await ledger.invoke(P.admin2, 'hospitals:GetHospitalStats')).result,
    ).toMatchObject({ recordsAuthored: 0 });
  });
});

describe('the sealed remark', () => {
  const sealed = Buffer.from('nonce|ciphertext|tag').toString('base64');
  const remarkKey = (tag: string) => Buffer.from(`remark key ${tag}`).toString('base64');

  async function addWithRemark(ledger: Awaited<ReturnType<typeof world>>) {
    const holders = expectOk(
      await ledger.invoke(P.doctor1, 'records:GetKeyHolders', idOf(P.patient1)),
    ).result as KeyHolder[];
    const req = recordRequest(
      P.patient1,
      { remark: sealed },
      holders.map((h) => h.mspId),
    );
    req.wrappedKeys = req.wrappedKeys.map((w) => ({
      ...w,
      keyId: holders.find((h) => h.mspId === w.mspId)!.keyId,
      wrappedRemarkKey: remarkKey(w.mspId),
    }));
    return {
      req,
      result: await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(req)),
    };
  }

  it('is stored with the record, and content readers get their hospital remark key with it (auditors do not)', async () => {
    const ledger = await world();
    const { req } = await addWithRemark(ledger).then((a) => (expectOk(a.result), a));
    for (const reader of [P.patient1, P.doctor1]) {
      const meta = expectOk(await ledger.invoke(reader, 'records:GetRecordMetadata', req.recordId))
        .result as RecordMeta;
      expect(meta.remark).toBe(sealed);
      expect(meta.remarkKeys).toEqual([
        { keyId: req.wrappedKeys[0]!.keyId, wrappedRemarkKey: remarkKey(H1) },
      ]);
      const list = expectOk(await ledger.invoke(reader, 'records:ListRecords', idOf(P.patient1)))
        .result as RecordMeta[];
      expect(list.find((r) => r.recordId === req.recordId)?.remarkKeys).toHaveLength(1);
    }
    const audited = expectOk(
      await ledger.invoke(P.auditor1, 'records:GetRecordMetadata', req.recordId),
    ).result as RecordMeta;
    expect(audited.remarkKeys).toBeUndefined();
    expect(codeOf(await ledger.invoke(P.doctor2, 'records:GetRecordMetadata', req.recordId))).toBe(
      'ACCESS_DENIED',
    );
  });

  it('needs a wrapped remark key for every key holder, and none without a remark', async () => {
    const ledger = await world();
    const missing = recordRequest(P.patient1, { remark: sealed });
    expect(
      codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(missing))),
    ).toBe('WRAPPED_KEY_MISSING');
    const extra = recordRequest(P.patient1);
    extra.wrappedKeys = extra.wrappedKeys.map((w) => ({
      ...w,
      wrappedRemarkKey: remarkKey(w.mspId),
    }));
    expect(codeOf(await ledger.invoke(P.doctor1, 'records:AddRecord', JSON.stringify(extra)))).toBe(
      'WRAPPED_KEY_UNEXPECTED',
    );
  });

  it('travels with a grant: the grantee hospital gets the remark key re-wrapped, and must', async () => {
    const ledger = await world();
    const { req } = await addWithRemark(ledger).then((a) => (expectOk(a.result), a));
    const fields = {
      grantId: 'g-remark',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'records', recordIds: [req.recordId] },
    };
    const withoutRemarkKey = {
      ...fields,
      wrappedKeys: [{ recordId: req.recordId, keyId: 'h2-k1', wrappedKey: remarkKey('data') }],
    };
    expect(
      codeOf(
        await ledger.invoke(
          P.patient1,
          'consent:GrantAccess',
          JSON.stringify({ access: 'read', ...withoutRemarkKey }),
        ),
      ),
    ).toBe('WRAPPED_KEY_MISSING');
    await grant(ledger, P.patient1, {
      ...fields,
      wrappedKeys: [{ ...withoutRemarkKey.wrappedKeys[0], wrappedRemarkKey: remarkKey(H2) }],
    });
    const meta = expectOk(await ledger.invoke(P.doctor2, 'records:GetRecordMetadata', req.recordId))
      .result as RecordMeta;
    expect(meta.remarkKeys).toEqual([{ keyId: 'h2-k1', wrappedRemarkKey: remarkKey(H2) }]);
  });
});
