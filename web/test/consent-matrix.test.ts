// The consent matrix: for every record and every grantee with a grant in force today, whether
// the grantee can see the record, and until when.
import type { Consent } from '../src/app/api/generated/models/consent';
import type { RecordMeta } from '../src/app/api/generated/models/record-meta';
import { consentMatrix, granteeKey, isActive } from '../src/app/patient/consents';

const NOW = Date.parse('2026-05-10T12:00:00Z');
const P = 'Hospital1MSP/patient-1';
const DR_B = 'Hospital2MSP/doctor-b';
const DR_C = 'Hospital2MSP/doctor-c';

const record = (recordId: string): RecordMeta => ({
  recordId,
  patientId: P,
  authorId: 'Hospital1MSP/doctor-a',
  authorMsp: 'Hospital1MSP',
  cid: 'bafy',
  sha256: 'a'.repeat(64),
  size: 10,
  mediaType: 'application/pdf',
  category: 'report',
  createdAt: '2026-05-01T10:00:00.000Z',
  txId: 'tx',
});

let seq = 0;
function consent(fields: Partial<Consent> & Pick<Consent, 'grantee' | 'scope'>): Consent {
  seq += 1;
  return {
    grantId: `g${seq}`,
    patientId: P,
    access: 'read',
    createdAt: `2026-05-0${seq}T09:00:00.000Z`,
    ...fields,
  };
}

const doctor = (doctorId: string) => ({ type: 'doctor' as const, doctorId });
const records = (...recordIds: string[]) => ({ type: 'records' as const, recordIds });

describe('isActive', () => {
  it('is in force until revoked or past its end', () => {
    const g = { grantee: doctor(DR_B), scope: { type: 'all' as const } };
    expect(isActive(consent(g), NOW)).toBe(true);
    expect(isActive(consent({ ...g, notAfter: '2026-05-10T12:00:01.000Z' }), NOW)).toBe(true);
    expect(isActive(consent({ ...g, notAfter: '2026-05-10T12:00:00.000Z' }), NOW)).toBe(false);
    expect(isActive(consent({ ...g, revokedAt: '2026-05-09T00:00:00.000Z' }), NOW)).toBe(false);
  });
});

describe('consentMatrix', () => {
  beforeEach(() => (seq = 0));
  const [r1, r2, r3] = [record('r1'), record('r2'), record('r3')];

  it('one column per grantee in force, in the order the grants were given; one row per record', () => {
    const m = consentMatrix(
      [r1, r2, r3],
      [
        consent({ grantee: doctor(DR_B), scope: records('r1') }),
        consent({ grantee: { type: 'hospital', mspId: 'Hospital2MSP' }, scope: { type: 'all' } }),
        consent({ grantee: doctor(DR_B), scope: records('r2') }), // same column as the first
        consent({ grantee: doctor(DR_C), scope: records('r3'), revokedAt: '2026-05-08T00:00:00Z' }),
      ],
      NOW,
    );
    expect(m.columns.map((c) => c.key)).toEqual([`d:${DR_B}`, 'h:Hospital2MSP']);
    expect(m.rows.map((r) => r.record.recordId)).toEqual(['r1', 'r2', 'r3']);
    // '' = yes without end, null = no
    expect(m.rows.map((r) => r.cells)).toEqual([
      ['', ''],
      ['', ''],
      [null, ''],
    ]);
  });

  it('shows the latest end when several grants cover a record, and no end wins over any end', () => {
    const m = consentMatrix(
      [r1, r2],
      [
        consent({
          grantee: doctor(DR_B),
          scope: records('r1', 'r2'),
          notAfter: '2026-06-01T00:00:00.000Z',
        }),
        consent({
          grantee: doctor(DR_B),
          scope: records('r1'),
          notAfter: '2026-07-01T00:00:00.000Z',
        }),
        consent({ grantee: doctor(DR_B), scope: records('r2') }),
      ],
      NOW,
    );
    expect(m.rows.map((r) => r.cells)).toEqual([['2026-07-01T00:00:00.000Z'], ['']]);
  });

  it('leaves out grants that ended or were revoked, and grantees with nothing in force', () => {
    const m = consentMatrix(
      [r1],
      [
        consent({
          grantee: doctor(DR_B),
          scope: { type: 'all' },
          notAfter: '2026-05-01T00:00:00.000Z',
        }),
        consent({
          grantee: doctor(DR_C),
          scope: { type: 'all' },
          revokedAt: '2026-05-09T00:00:00.000Z',
        }),
      ],
      NOW,
    );
    expect(m.columns).toEqual([]);
    expect(m.rows).toEqual([{ record: r1, cells: [] }]);
  });

  it('keys doctors and hospitals apart', () => {
    expect(granteeKey(doctor('Hospital2MSP/x'))).not.toBe(
      granteeKey({ type: 'hospital', mspId: 'Hospital2MSP' }),
    );
  });
});
