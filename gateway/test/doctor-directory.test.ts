// What a hospital publishes about a doctor account: on the ledger only the id and whether the
// account is active; to the other members' gateways the name and specialty (one trimmed line,
// bounded), and nothing else from the account. A write the ledger refused is repaired within
// seconds, not at the next ten-minute resync.
import type { DoctorEntry, PublishDoctorRequest } from '@ehr/chaincode/api';
import type { User } from '../src/db/models';
import {
  DoctorDirectory,
  directoryEntry,
  professionalIdentity,
} from '../src/directory/doctor-directory';
import type { GatewayContext } from '../src/http/context';
import { DIRECTORY } from '../src/ledger/contract';

// The admin's ledger without the account, its sealed key and a peer.
const ledger = { submit: jest.fn(), evaluate: jest.fn() };
jest.mock('../src/accounts/bootstrap', () => ({
  bootstrapAdminLedger: () => Promise.resolve(ledger),
}));

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

describe('DoctorDirectory (publishing)', () => {
  it('retries a refused write within seconds, without start() or a resync', async () => {
    const onLedger = new Map<string, DoctorEntry>();
    let refusals = 1;
    ledger.submit.mockImplementation((fn: string, [json]: string[]) => {
      expect(fn).toBe(DIRECTORY.publishDoctor);
      if (refusals-- > 0) return Promise.reject(new Error('ledger refused: MVCC_READ_CONFLICT'));
      const req = JSON.parse(json!) as PublishDoctorRequest;
      onLedger.set(req.doctorId, { ...req, mspId: MSP } as DoctorEntry);
      return Promise.resolve({ result: undefined });
    });
    ledger.evaluate.mockImplementation(() => Promise.resolve([...onLedger.values()]));
    const warn = jest.fn();
    const ctx = {
      config: { hospital: { mspId: MSP } },
      log: { warn, info: jest.fn() },
      db: { models: { User: { findAll: () => Promise.resolve([doctor()]) } } },
    } as unknown as GatewayContext;
    const directory = new DoctorDirectory(ctx);
    try {
      directory.publish(doctor());
      const deadline = Date.now() + 10_000;
      while (!onLedger.has(`${MSP}/${ID}`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(onLedger.get(`${MSP}/${ID}`)).toMatchObject({ active: true });
      expect(ledger.submit).toHaveBeenCalledTimes(2);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      await directory.close();
    }
  });
});
