// What a hospital publishes about a doctor account in the consortium's directory: the name and
// specialty as the chaincode accepts them (one trimmed line, bounded), active unless disabled,
// and nothing else from the account.
import type { User } from '../src/db/models';
import { directoryEntry } from '../src/directory/doctor-directory';

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

describe('directoryEntry', () => {
  it('publishes the professional identity only', () => {
    expect(directoryEntry(doctor(), MSP)).toEqual({
      doctorId: `${MSP}/${ID}`,
      displayName: 'Dr. Ana Lopez',
      specialty: 'Cardiology',
      active: true,
    });
  });

  it('withdraws a disabled account', () => {
    expect(directoryEntry(doctor({ disabledAt: new Date() }), MSP).active).toBe(false);
  });

  it('makes one trimmed line of the registry’s text, within the chaincode’s lengths', () => {
    const e = directoryEntry(
      doctor({ fullName: '  Dr.\tAna\n\u0007Lopez  ', specialty: 'x'.repeat(150) }),
      MSP,
    );
    expect(e.displayName).toBe('Dr. Ana Lopez');
    expect(e.specialty).toHaveLength(100);
    expect(directoryEntry(doctor({ fullName: 'y'.repeat(300) }), MSP).displayName).toHaveLength(
      200,
    );
  });

  it('leaves out an empty specialty and never publishes an empty name', () => {
    const e = directoryEntry(doctor({ fullName: ' \u0000 ', specialty: '  ' }), MSP);
    expect(e).toEqual({ doctorId: `${MSP}/${ID}`, displayName: 'Doctor', active: true });
  });
});
