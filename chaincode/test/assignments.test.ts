import type { Assignment } from '../src/api';
import { H1, P, codeOf, expectOk, idOf, world } from './support/fixtures';
import { person } from './support/memory-ledger';

describe('assignments', () => {
  it('an admin assigns a doctor of their hospital to a patient of their hospital, with history', async () => {
    const ledger = await world();
    const o = expectOk(
      await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1b)),
    );
    expect(o.event).toEqual({
      name: 'DoctorAssigned',
      payload: {
        patientId: idOf(P.patient1),
        doctorId: idOf(P.doctor1b),
        at: new Date(ledger.now).toISOString(),
      },
    });
    expect(
      codeOf(
        await ledger.invoke(
          P.admin1,
          'assignments:AssignDoctor',
          idOf(P.patient1),
          idOf(P.doctor1b),
        ),
      ),
    ).toBe('ALREADY_EXISTS');
    ledger.advance(1000);
    expect(
      expectOk(
        await ledger.invoke(
          P.admin1,
          'assignments:EndAssignment',
          idOf(P.patient1),
          idOf(P.doctor1b),
        ),
      ).event?.name,
    ).toBe('AssignmentEnded');
    expect(
      codeOf(
        await ledger.invoke(
          P.admin1,
          'assignments:EndAssignment',
          idOf(P.patient1),
          idOf(P.doctor1b),
        ),
      ),
    ).toBe('NOT_FOUND');
    ledger.advance(1000);
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1b)),
    );
    const list = expectOk(
      await ledger.invoke(P.patient1, 'assignments:ListAssignments', idOf(P.patient1)),
    ).result as Assignment[];
    expect(list.map((a) => [a.doctorId, a.active, a.episodes.length])).toEqual([
      [idOf(P.doctor1), true, 1],
      [idOf(P.doctor1b), true, 2],
    ]);
    expect(list[1]!.episodes[0]).toMatchObject({
      assignedBy: idOf(P.admin1),
      endedBy: idOf(P.admin1),
    });
    const hist = expectOk(
      await ledger.invoke(
        P.auditor1,
        'assignments:GetAssignmentHistory',
        idOf(P.patient1),
        idOf(P.doctor1b),
      ),
    ).result as unknown[];
    expect(hist).toHaveLength(3);
  });

  it('refuses admins of another hospital, cross-hospital pairs and other roles', async () => {
    const ledger = await world();
    const before = ledger.snapshot();
    const assign = async (who: typeof P.admin1, patient: string, doctor: string) =>
      codeOf(await ledger.invoke(who, 'assignments:AssignDoctor', patient, doctor));
    expect(await assign(P.admin2, idOf(P.patient1), idOf(P.doctor1b))).toBe('ACCESS_DENIED');
    expect(await assign(P.admin1, idOf(P.patient1), idOf(P.doctor2))).toBe('ACCESS_DENIED');
    expect(await assign(P.admin1, idOf(P.patient3), idOf(P.doctor1))).toBe('ACCESS_DENIED');
    expect(await assign(P.admin1, idOf(P.patient1), idOf(P.patient1))).toBe('INVALID_ARGUMENT');
    expect(await assign(P.doctor1, idOf(P.patient1), idOf(P.doctor1b))).toBe('FORBIDDEN_ROLE');
    expect(await assign(P.patient1, idOf(P.patient1), idOf(P.doctor1b))).toBe('FORBIDDEN_ROLE');
    expect(await assign(P.auditor1, idOf(P.patient1), idOf(P.doctor1b))).toBe('FORBIDDEN_ROLE');
    expect(await assign(P.admin1, 'nobody', idOf(P.doctor1b))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1))),
    ).toBe('MISSING_ARGUMENT');
    expect(
      codeOf(
        await ledger.invoke(
          P.admin2,
          'assignments:EndAssignment',
          idOf(P.patient1),
          idOf(P.doctor1),
        ),
      ),
    ).toBe('ACCESS_DENIED');
    expect(ledger.snapshot()).toEqual(before);
  });

  it('an admin of a hospital that is not registered cannot assign', async () => {
    const ledger = await world();
    const admin9 = person('Hospital9MSP', 'admin', 'admin-9');
    expect(
      codeOf(
        await ledger.invoke(admin9, 'assignments:AssignDoctor', 'Hospital9MSP/p', 'Hospital9MSP/d'),
      ),
    ).toBe('HOSPITAL_NOT_REGISTERED');
  });

  it('a doctor lists the patients currently assigned to them', async () => {
    const ledger = await world();
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient2), idOf(P.doctor1)),
    );
    expect(expectOk(await ledger.invoke(P.doctor1, 'assignments:ListMyPatients')).result).toEqual([
      idOf(P.patient1),
      idOf(P.patient2),
    ]);
    expectOk(
      await ledger.invoke(P.admin1, 'assignments:EndAssignment', idOf(P.patient1), idOf(P.doctor1)),
    );
    expect(expectOk(await ledger.invoke(P.doctor1, 'assignments:ListMyPatients')).result).toEqual([
      idOf(P.patient2),
    ]);
    expect(codeOf(await ledger.invoke(P.patient1, 'assignments:ListMyPatients'))).toBe(
      'FORBIDDEN_ROLE',
    );
  });

  it('who sees a patient’s doctor history', async () => {
    const ledger = await world();
    const list = async (who: typeof P.admin1) =>
      codeOf(await ledger.invoke(who, 'assignments:ListAssignments', idOf(P.patient1)));
    expect([await list(P.patient1), await list(P.admin1), await list(P.auditor1)]).toEqual([
      'OK',
      'OK',
      'OK',
    ]);
    expect([await list(P.patient2), await list(P.admin2), await list(P.auditor2)]).toEqual([
      'ACCESS_DENIED',
      'ACCESS_DENIED',
      'ACCESS_DENIED',
    ]);
    expect(await list(P.doctor1)).toBe('FORBIDDEN_ROLE');
  });
});

describe('identity from the certificate', () => {
  it.each([
    ['no role attribute', { uid: 'x' }],
    ['an unknown role', { role: 'superuser', uid: 'x' }],
    ['no uid attribute', { role: 'patient' }],
    ['a uid with a slash (would forge msp/uid)', { role: 'patient', uid: 'a/b' }],
    ['a uid too long', { role: 'patient', uid: 'a'.repeat(65) }],
    ['a doctor without govId', { role: 'doctor', uid: 'd' }],
  ])('refuses a certificate with %s', async (_, attrs) => {
    const ledger = await world();
    const who = { mspId: H1, attrs: attrs as Record<string, string> };
    expect(codeOf(await ledger.invoke(who, 'hospitals:ListHospitals'))).toBe('FORBIDDEN_ROLE');
    expect(codeOf(await ledger.invoke(who, 'access:ListAccessEvents', `${H1}/x`))).toBe(
      'FORBIDDEN_ROLE',
    );
  });

  it('refuses an MSP id that is not a hospital MSP id', async () => {
    const ledger = await world();
    expect(
      codeOf(
        await ledger.invoke(
          { mspId: 'Orderer', attrs: { role: 'admin', uid: 'a' } },
          'hospitals:ListHospitals',
        ),
      ),
    ).toBe('FORBIDDEN_ROLE');
  });
});
