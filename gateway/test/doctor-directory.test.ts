// What a hospital publishes about a doctor account: on the ledger only the id and whether the
// account is active; to the other members' gateways the name and specialty (one trimmed line,
// bounded), and nothing else from the account.
import type { User } from '../src/db/models';
import { directoryEntry, professionalIdentity } from '../src/directory/doctor-directory';

const MSP = 'Hospital1MSP';
const ID = '0b5c2f4e-4f55-4c1a-9c55-2d1f3c4b5a69';

function doctor(fields: Partial<User> = {}): User {
  return {
    id: ID,
    role: 'doctor',
    fullName: 'Dr. Ana Lopez',
    specialty: 'Cardiology',
    phone: '+14155550123',
    email: 'ana@example.org',
    govId: 'MD-123',
    address: null,
    disabledAt: null,
    ...fields,
  } as User;
}

describe('directoryEntry (the ledger)', () => {
  it('publishes the id and the active flag only: no name, specialty or contact details', () => {
    expect(directoryEntry(doctor(), MSP)).toEqual({ doctorId: `${MSP}/${ID}`, active: true });
  });

  it('withdraws a disabled account', () => {
    expect(directoryEntry(doctor({ disabledAt: new Date() }), MSP)).toEqual({
      doctorId: `${MSP}/${ID}`,
      active: false,
    });
  });
});

describe('professionalIdentity (for the other members’ gateways)', () => {
  it('gives the name and specialty only', () => {
    expect(professionalIdentity(doctor())).toEqual({
      displayName: 'Dr. Ana Lopez',
      specialty: 'Cardiology',
    });
  });

  it('makes one trimmed line of the registry’s text, within the chaincode’s lengths', () => {
    const e = professionalIdentity(
      doctor({ fullName: '  Dr.\tAna\n\u0007Lopez  ', specialty: 'x'.repeat(150) }),
    );
    expect(e.displayName).toBe('Dr. Ana Lopez');
    expect(e.specialty).toHaveLength(100);
    expect(professionalIdentity(doctor({ fullName: 'y'.repeat(300) })).displayName).toHaveLength(
      200,
    );
  });

  it('leaves out an empty specialty and never publishes an empty name', () => {
    const e = professionalIdentity(doctor({ fullName: ' \u0000 ', specialty: '  ' }));
    expect(e).toEqual({ displayName: 'Doctor' });
  });
});
