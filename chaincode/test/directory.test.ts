import type { DoctorEntry, HospitalCounts } from '../src/api';
import { H1, H2, P, addRecord, codeOf, expectOk, grant, idOf, world } from './support/fixtures';
import type { MemoryLedger, Person } from './support/memory-ledger';

const publish = (
  ledger: MemoryLedger,
  admin: Person,
  doctor: Person,
  fields: Record<string, unknown> = {},
) =>
  ledger.invoke(
    admin,
    'directory:PublishDoctor',
    JSON.stringify({ doctorId: idOf(doctor), active: true, ...fields }),
  );

describe('directory', () => {
  it('an admin lists a doctor of their own hospital; every role of every member reads it', async () => {
    const ledger = await world();
    const o = expectOk(await publish(ledger, P.admin1, P.doctor1));
    expect(o.event).toEqual({
      name: 'DoctorListed',
      payload: { doctorId: idOf(P.doctor1), active: true },
    });
    expect(o.result).toMatchObject({
      doctorId: idOf(P.doctor1),
      mspId: H1,
      active: true,
      listedBy: idOf(P.admin1),
    });
    // Ids, flags and times only: no name or specialty ever reaches the ledger.
    expect(Object.keys(o.result as DoctorEntry).sort()).toEqual(
      ['active', 'doctorId', 'listedAt', 'listedBy', 'mspId', 'updatedAt', 'updatedBy'].sort(),
    );
    for (const who of [P.patient3, P.doctor2, P.admin2, P.auditor2, P.patient1]) {
      const got = expectOk(await ledger.invoke(who, 'directory:GetDoctor', idOf(P.doctor1)))
        .result as DoctorEntry;
      expect(got).toEqual(o.result);
    }
  });

  it('publishing the same entry again writes nothing; a withdrawal updates it', async () => {
    const ledger = await world();
    const first = expectOk(await publish(ledger, P.admin1, P.doctor1)).result as DoctorEntry;
    ledger.advance(1000);
    const again = expectOk(await publish(ledger, P.admin1, P.doctor1));
    expect(again.writes).toBe(0);
    expect(again.event).toBeUndefined();
    ledger.advance(1000);
    const withdrawn = expectOk(await publish(ledger, P.admin1, P.doctor1, { active: false }));
    expect(withdrawn.event).toEqual({
      name: 'DoctorUpdated',
      payload: { doctorId: idOf(P.doctor1), active: false },
    });
    expect(withdrawn.result).toMatchObject({ active: false, listedAt: first.listedAt });
    expect((withdrawn.result as DoctorEntry).updatedAt > first.updatedAt).toBe(true);
  });

  it('lists every doctor, or one hospital’s, withdrawn ones included', async () => {
    const ledger = await world();
    expectOk(await publish(ledger, P.admin1, P.doctor1));
    expectOk(await publish(ledger, P.admin1, P.doctor1b, { active: false }));
    expectOk(await publish(ledger, P.admin2, P.doctor2));
    const all = expectOk(await ledger.invoke(P.patient1, 'directory:ListDoctors'))
      .result as DoctorEntry[];
    expect(all.map((d) => d.doctorId).sort()).toEqual(
      [idOf(P.doctor1), idOf(P.doctor1b), idOf(P.doctor2)].sort(),
    );
    expect(all.filter((d) => !d.active).map((d) => d.doctorId)).toEqual([idOf(P.doctor1b)]);
    const h2 = expectOk(await ledger.invoke(P.doctor1, 'directory:ListDoctors', H2))
      .result as DoctorEntry[];
    expect(h2.map((d) => d.doctorId)).toEqual([idOf(P.doctor2)]);
  });

  it('no admin lists, renames or withdraws another hospital’s doctor', async () => {
    const ledger = await world();
    expectOk(await publish(ledger, P.admin2, P.doctor2));
    const before = ledger.snapshot();
    expect(codeOf(await publish(ledger, P.admin1, P.doctor2))).toBe('ACCESS_DENIED');
    expect(codeOf(await publish(ledger, P.admin1, P.doctor2, { active: false }))).toBe(
      'ACCESS_DENIED',
    );
    expect(ledger.snapshot()).toEqual(before);
  });

  it.each([
    ['a doctor', P.doctor1],
    ['a patient', P.patient1],
    ['an auditor', P.auditor1],
  ])('%s cannot publish a directory entry', async (_, who) => {
    const ledger = await world();
    expect(codeOf(await publish(ledger, who, P.doctor1))).toBe('FORBIDDEN_ROLE');
  });

  it('an admin of a hospital that is not a member cannot publish', async () => {
    const ledger = await world();
    expect(codeOf(await publish(ledger, P.admin3, P.doctor3))).toBe('HOSPITAL_NOT_REGISTERED');
  });

  it.each([
    // Names stay off the ledger: the doctor's hospital serves them, gateway to gateway.
    ['a display name', { displayName: 'Dr. Who' }, 'INVALID_ARGUMENT'],
    ['a specialty', { specialty: 'Cardiology' }, 'INVALID_ARGUMENT'],
    ['a missing active flag', { active: undefined }, 'MISSING_ARGUMENT'],
    ['an active flag that is not a boolean', { active: 'yes' }, 'INVALID_ARGUMENT'],
    ['a bad doctor id', { doctorId: 'not-a-person' }, 'INVALID_ARGUMENT'],
    // e.g. a gateway trying to put a phone number or government ID next to the name
    ['an unknown field', { phone: '+15555550101' }, 'INVALID_ARGUMENT'],
  ])('refuses %s and writes nothing', async (_, fields, code) => {
    const ledger = await world();
    const before = ledger.snapshot();
    expect(codeOf(await publish(ledger, P.admin1, P.doctor1, fields))).toBe(code);
    expect(ledger.snapshot()).toEqual(before);
  });

  it('an unlisted doctor is not found', async () => {
    const ledger = await world();
    expect(codeOf(await ledger.invoke(P.patient1, 'directory:GetDoctor', idOf(P.doctor2)))).toBe(
      'NOT_FOUND',
    );
  });

  it('counts per member hospital for admins and auditors: numbers only', async () => {
    const ledger = await world();
    expectOk(await publish(ledger, P.admin1, P.doctor1));
    expectOk(await publish(ledger, P.admin1, P.doctor1b, { active: false }));
    expectOk(await publish(ledger, P.admin2, P.doctor2));
    await addRecord(ledger, P.doctor1, P.patient1);
    const r = await addRecord(ledger, P.doctor1, P.patient1);
    await grant(ledger, P.patient1, {
      grantId: 'g-valid',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor2) },
      scope: { type: 'records', recordIds: [r.recordId] },
      wrappedKeys: [{ recordId: r.recordId, keyId: 'h2-k1', wrappedKey: 'QUJD' }],
    });
    await grant(ledger, P.patient1, {
      grantId: 'g-revoked',
      grantee: { type: 'doctor', doctorId: idOf(P.doctor1b) },
      scope: { type: 'records', recordIds: [r.recordId] },
    });
    expectOk(await ledger.invoke(P.patient1, 'consent:RevokeAccess', 'g-revoked'));
    expectOk(await ledger.invoke(P.doctor2, 'access:OpenRecord', r.recordId, 'treatment'));
    expectOk(await ledger.invoke(P.patient1, 'access:OpenRecord', r.recordId, 'patient-access'));

    for (const who of [P.admin1, P.auditor2]) {
      const counts = expectOk(await ledger.invoke(who, 'directory:ListHospitalCounts'))
        .result as HospitalCounts[];
      expect(counts).toEqual([
        {
          mspId: H1,
          displayName: `${H1} hospital`,
          doctorsListed: 1,
          patientsWithRecords: 1,
          recordsAuthored: 2,
          activeGrantsByPatients: 1,
          readsByMembers: 1,
          breakGlassDeclared: 0,
        },
        {
          mspId: H2,
          displayName: `${H2} hospital`,
          doctorsListed: 1,
          patientsWithRecords: 0,
          recordsAuthored: 0,
          activeGrantsByPatients: 0,
          readsByMembers: 1,
          breakGlassDeclared: 0,
        },
      ]);
    }
    for (const who of [P.patient1, P.doctor1])
      expect(codeOf(await ledger.invoke(who, 'directory:ListHospitalCounts'))).toBe(
        'FORBIDDEN_ROLE',
      );
  });
});
