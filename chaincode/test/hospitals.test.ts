import type { Admission, Hospital, HospitalKey } from '../src/api';
import {
  H1,
  H2,
  H3,
  P,
  codeOf,
  expectOk,
  registerRequest,
  testKeys,
  world,
} from './support/fixtures';
import { MemoryLedger, person } from './support/memory-ledger';

describe('hospitals', () => {
  it('a founding hospital is registered by its own admin, with an event', async () => {
    const ledger = new MemoryLedger();
    const o = expectOk(
      await ledger.invoke(
        P.admin1,
        'hospitals:RegisterHospital',
        registerRequest(H1, 'k1', testKeys().rsa),
      ),
    );
    expect(o.result).toMatchObject({
      mspId: H1,
      membership: 'founding',
      currentKey: { keyId: 'k1', algorithm: 'RSA-OAEP-3072' },
    });
    expect(o.event).toEqual({ name: 'HospitalRegistered', payload: { mspId: H1, keyId: 'k1' } });
    const got = expectOk(await ledger.invoke(P.doctor2, 'hospitals:GetHospital', H1))
      .result as Hospital;
    expect(got.currentKey.publicKeyPem).toBe(testKeys().rsa);
  });

  it('an admin cannot register or rotate another hospital', async () => {
    const ledger = await world();
    const before = ledger.snapshot();
    expect(
      codeOf(
        await ledger.invoke(
          P.admin1,
          'hospitals:RegisterHospital',
          registerRequest(H2, 'evil', testKeys().rsa),
        ),
      ),
    ).toBe('ACCESS_DENIED');
    expect(ledger.snapshot()).toEqual(before);
  });

  it.each([
    ['patient', P.patient1],
    ['doctor', P.doctor1],
    ['auditor', P.auditor1],
  ])('a %s cannot register a hospital', async (_, who) => {
    const ledger = new MemoryLedger();
    expect(
      codeOf(
        await ledger.invoke(
          who,
          'hospitals:RegisterHospital',
          registerRequest(H1, 'k1', testKeys().rsa),
        ),
      ),
    ).toBe('FORBIDDEN_ROLE');
  });

  it('a hospital that is neither founding nor admitted cannot register', async () => {
    const ledger = await world();
    expect(
      codeOf(
        await ledger.invoke(
          P.admin3,
          'hospitals:RegisterHospital',
          registerRequest(H3, 'k1', testKeys().ec, 'ECIES-P256'),
        ),
      ),
    ).toBe('HOSPITAL_NOT_REGISTERED');
  });

  it.each([
    [
      'an RSA key declared as P-256',
      () => registerRequest(H1, 'k1', testKeys().rsa, 'ECIES-P256'),
      'INVALID_ARGUMENT',
    ],
    ['an RSA-2048 key', () => registerRequest(H1, 'k1', testKeys().rsa2048), 'INVALID_ARGUMENT'],
    [
      'a garbage PEM',
      () =>
        registerRequest(H1, 'k1', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
      'INVALID_ARGUMENT',
    ],
    [
      'a private key',
      () =>
        registerRequest(H1, 'k1', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      'INVALID_ARGUMENT',
    ],
    [
      'an unknown algorithm',
      () => registerRequest(H1, 'k1', testKeys().rsa, 'RSA-PKCS1'),
      'INVALID_ARGUMENT',
    ],
    [
      'a missing key id',
      () =>
        JSON.stringify({
          mspId: H1,
          displayName: 'x',
          algorithm: 'RSA-OAEP-3072',
          publicKeyPem: testKeys().rsa,
        }),
      'MISSING_ARGUMENT',
    ],
    [
      'a display name with a control character',
      () => registerRequest(H1, 'k1', testKeys().rsa, 'RSA-OAEP-3072', 'St.\u0000Anne'),
      'INVALID_ARGUMENT',
    ],
    [
      'a display name too long',
      () => registerRequest(H1, 'k1', testKeys().rsa, 'RSA-OAEP-3072', 'x'.repeat(201)),
      'ARGUMENT_TOO_LONG',
    ],
  ])('refuses %s and writes nothing', async (_, req, code) => {
    const ledger = new MemoryLedger();
    expect(codeOf(await ledger.invoke(P.admin1, 'hospitals:RegisterHospital', req()))).toBe(code);
    expect(ledger.keys()).toEqual([]);
  });

  it('rotates the key: new key current, old key retired, key ids never reused, history kept', async () => {
    const ledger = await world();
    const k = testKeys();
    const o = expectOk(
      await ledger.invoke(
        P.admin1,
        'hospitals:RegisterHospital',
        registerRequest(H1, 'h1-k2', k.rsa2),
      ),
    );
    expect(o.event?.name).toBe('HospitalKeyRotated');
    expect((o.result as Hospital).currentKey.keyId).toBe('h1-k2');
    const keys = expectOk(await ledger.invoke(P.patient3, 'hospitals:ListHospitalKeys', H1))
      .result as HospitalKey[];
    expect(keys.map((x) => [x.keyId, x.retiredAt !== undefined])).toEqual([
      ['h1-k1', true],
      ['h1-k2', false],
    ]);
    // back to the old id, or the current id with another key: refused
    expect(
      codeOf(
        await ledger.invoke(
          P.admin1,
          'hospitals:RegisterHospital',
          registerRequest(H1, 'h1-k1', k.rsa),
        ),
      ),
    ).toBe('ALREADY_EXISTS');
    expect(
      codeOf(
        await ledger.invoke(
          P.admin1,
          'hospitals:RegisterHospital',
          registerRequest(H1, 'h1-k2', k.rsa),
        ),
      ),
    ).toBe('CONFLICT');
    const hist = expectOk(await ledger.invoke(P.auditor2, 'hospitals:GetHospitalHistory', H1))
      .result as { value: Hospital }[];
    expect(hist.map((h) => h.value.currentKey.keyId)).toEqual(['h1-k2', 'h1-k1']);
  });

  it('re-registering the same key is a no-op without a write; a rename is an update', async () => {
    const ledger = await world();
    const same = expectOk(
      await ledger.invoke(
        P.admin1,
        'hospitals:RegisterHospital',
        registerRequest(H1, 'h1-k1', testKeys().rsa),
      ),
    );
    expect(same.writes).toBe(0);
    expect(same.event).toBeUndefined();
    const renamed = expectOk(
      await ledger.invoke(
        P.admin1,
        'hospitals:RegisterHospital',
        registerRequest(H1, 'h1-k1', testKeys().rsa, 'RSA-OAEP-3072', 'St. Anne'),
      ),
    );
    expect(renamed.event?.name).toBe('HospitalUpdated');
    expect((renamed.result as Hospital).displayName).toBe('St. Anne');
  });

  it('admits a new hospital only with a strict majority of members, then it registers itself', async () => {
    const ledger = await world();
    const first = expectOk(await ledger.invoke(P.admin1, 'hospitals:ApproveHospital', H3));
    expect((first.result as Admission).admittedAt).toBeUndefined();
    expect(first.event?.name).toBe('HospitalApproved');
    expect(codeOf(await ledger.invoke(P.admin1, 'hospitals:ApproveHospital', H3))).toBe(
      'ALREADY_EXISTS',
    );
    // a second admin of the same hospital does not count twice
    expect(
      codeOf(await ledger.invoke(person(H1, 'admin', 'admin-1x'), 'hospitals:ApproveHospital', H3)),
    ).toBe('ALREADY_EXISTS');
    expect(
      codeOf(
        await ledger.invoke(
          P.admin3,
          'hospitals:RegisterHospital',
          registerRequest(H3, 'h3-k1', testKeys().ec2, 'ECIES-P256'),
        ),
      ),
    ).toBe('HOSPITAL_NOT_REGISTERED');
    const second = expectOk(await ledger.invoke(P.admin2, 'hospitals:ApproveHospital', H3));
    expect(second.event?.name).toBe('HospitalAdmitted');
    const reg = expectOk(
      await ledger.invoke(
        P.admin3,
        'hospitals:RegisterHospital',
        registerRequest(H3, 'h3-k1', testKeys().ec2, 'ECIES-P256'),
      ),
    );
    expect((reg.result as Hospital).membership).toBe('admitted');
    expect(
      codeOf(await ledger.invoke(P.doctor1, 'hospitals:ApproveHospital', 'Hospital4MSP')),
    ).toBe('FORBIDDEN_ROLE');
    expect(codeOf(await ledger.invoke(P.admin3, 'hospitals:ApproveHospital', H1))).toBe(
      'ALREADY_EXISTS',
    );
  });

  it('an admin of a hospital that is not a member cannot approve', async () => {
    const ledger = await world();
    expect(codeOf(await ledger.invoke(P.admin3, 'hospitals:ApproveHospital', 'Hospital4MSP'))).toBe(
      'HOSPITAL_NOT_REGISTERED',
    );
  });

  it('lists hospitals in MSP order and gives counts (not records) to admins and auditors', async () => {
    const ledger = await world();
    const list = expectOk(await ledger.invoke(P.patient1, 'hospitals:ListHospitals'))
      .result as Hospital[];
    expect(list.map((h) => h.mspId)).toEqual([H1, H2]);
    expect(codeOf(await ledger.invoke(P.patient1, 'hospitals:GetHospital', H3))).toBe('NOT_FOUND');
    const stats = expectOk(await ledger.invoke(P.admin1, 'hospitals:GetHospitalStats')).result;
    expect(stats).toEqual({ mspId: H1, recordsAuthored: 0, breakGlassDeclaredByStaff: 0 });
    expect(codeOf(await ledger.invoke(P.doctor1, 'hospitals:GetHospitalStats'))).toBe(
      'FORBIDDEN_ROLE',
    );
  });
});
