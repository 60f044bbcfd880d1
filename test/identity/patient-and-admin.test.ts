// Patients sign up and log in at their hospital's gateway; what they then do on the ledger is
// signed with THEIR key (checked in the proposal the gateway sent: creator, attributes,
// signature), and the chaincode decides — an admin asking for records gets its FORBIDDEN_ROLE.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certificateAttributes as signedByCert, orgPaths } from '@ehr/network';
import { bootstrapAdminLedger } from '@ehr/gateway';
import { testNetwork } from '../support';
import { signedBy } from './proposals';
import {
  Browser,
  accountCount,
  caIdentityCount,
  patientForm,
  startTestGateway,
  uniqueName,
  type TestGateway,
} from './harness';
import { ensureHospitalRegistered } from './ledger';

const net = testNetwork();
const h1 = net.hospitals[0]!;
let g: TestGateway;

beforeAll(async () => {
  g = await startTestGateway(net, h1);
  await ensureHospitalRegistered(net, h1);
});
afterAll(() => g?.close());

async function signUpPatient(username = uniqueName('pat')) {
  const b = await new Browser(g.url).start();
  const r = await b.post('/signup/patient', { ...patientForm(username), ...(await b.captcha()) });
  return { b, r, username };
}

describe('patient signup and login', () => {
  it('signs up, logs in, and a chaincode call is signed by that patient with role and uid in the certificate', async () => {
    const { b, r, username } = await signUpPatient();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      role: 'patient',
      username,
      personId: `${h1.mspId}/${r.body.id}`,
    });
    expect(JSON.stringify(r.body)).not.toMatch(/PRIVATE KEY|passwordHash|sealedKey|certificate/);

    const login = await b.login('patient', username, 'correct horse battery staple');
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(r.body.id);
    expect(login.body.idleTimeoutSeconds).toBe(900);

    const before = g.proposals.length;
    const doctors = await b.get(`/patients/${encodeURIComponent(r.body.personId)}/doctors`);
    expect(doctors.status).toBe(200);
    expect(doctors.body).toEqual([]);

    const sent = g.proposals.slice(before).find((p) => p.fn === 'assignments:ListAssignments');
    expect(sent).toBeDefined();
    const who = signedBy(sent!.proposedTransaction);
    expect(who.signatureValid).toBe(true);
    expect(who.mspId).toBe(h1.mspId);
    expect(who.channel).toBe(net.channel);
    expect(who.attributes).toMatchObject({ role: 'patient', uid: r.body.id });
    // The certificate is the one the hospital's CA issued to this patient at signup.
    const caRoot = new X509Certificate(readFileSync(orgPaths(net, h1).caCert));
    expect(new X509Certificate(who.certificate).verify(caRoot.publicKey)).toBe(true);
    const stored = await g.gw.ctx.accounts.findById(r.body.id);
    expect(stored!.certificate.trim()).toBe(who.certificate.trim());
    expect(JSON.stringify(stored!.sealedKey)).not.toContain('PRIVATE KEY');
  });

  it('refuses another patient’s data on the ledger (the chaincode decides from the certificate)', async () => {
    const a = await signUpPatient();
    const other = await signUpPatient();
    await a.b.login('patient', a.username, 'correct horse battery staple');
    const r = await a.b.get(`/patients/${encodeURIComponent(other.r.body.personId)}/doctors`);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ACCESS_DENIED');
  });

  it('a duplicate username is 409 USERNAME_TAKEN and leaves no account and no CA identity behind', async () => {
    const first = await signUpPatient();
    const [accounts, identities] = [await accountCount(g), await caIdentityCount(net, h1)];
    const b = await new Browser(g.url).start();
    const r = await b.post('/signup/patient', {
      ...patientForm(first.username.toUpperCase()),
      email: `${uniqueName('x')}@example.org`,
      ...(await b.captcha()),
    });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('USERNAME_TAKEN');
    expect(await accountCount(g)).toBe(accounts);
    expect(await caIdentityCount(net, h1)).toBe(identities);
  });

  it.each([
    [
      'a wrong captcha',
      (f: Record<string, string>) => ({ ...f, captchaAnswer: 'nope!!' }),
      400,
      'CAPTCHA_INVALID',
    ],
    [
      'a different confirmation',
      (f: Record<string, string>) => ({ ...f, passwordConfirmation: 'something else entirely' }),
      400,
      'PASSWORDS_DO_NOT_MATCH',
    ],
    [
      'an invalid e-mail',
      (f: Record<string, string>) => ({ ...f, email: 'not-an-email' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a phone not in international form',
      (f: Record<string, string>) => ({ ...f, phone: '555-1234' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a short password',
      (f: Record<string, string>) => ({ ...f, password: 'short', passwordConfirmation: 'short' }),
      400,
      'VALIDATION_FAILED',
    ],
  ])('%s is refused with its own code, nothing created', async (_what, change, status, code) => {
    const [accounts, identities] = [await accountCount(g), await caIdentityCount(net, h1)];
    const b = await new Browser(g.url).start();
    const r = await b.post(
      '/signup/patient',
      change({ ...patientForm(uniqueName('bad')), ...(await b.captcha()) }),
    );
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(await accountCount(g)).toBe(accounts);
    expect(await caIdentityCount(net, h1)).toBe(identities);
  });

  it('changes the password: the key is re-sealed (signing still works after a new login), other sessions end', async () => {
    const { b, r, username } = await signUpPatient();
    const other = await new Browser(g.url).start();
    await other.login('patient', username, 'correct horse battery staple');
    await b.login('patient', username, 'correct horse battery staple');
    const wrong = await b.post('/auth/password', {
      currentPassword: 'not it',
      newPassword: 'a brand new password',
      newPasswordConfirmation: 'a brand new password',
    });
    expect(wrong.status).toBe(401);
    const changed = await b.post('/auth/password', {
      currentPassword: 'correct horse battery staple',
      newPassword: 'a brand new password',
      newPasswordConfirmation: 'a brand new password',
    });
    expect(changed.status).toBe(204);
    const doctors = `/patients/${encodeURIComponent(r.body.personId)}/doctors`;
    expect((await b.get(doctors)).status).toBe(200);
    expect((await other.get(doctors)).body.code).toBe('SESSION_EXPIRED');
    const fresh = await new Browser(g.url).start();
    expect((await fresh.login('patient', username, 'correct horse battery staple')).status).toBe(
      401,
    );
    expect((await fresh.login('patient', username, 'a brand new password')).status).toBe(200);
    expect((await fresh.get(doctors)).status).toBe(200);
  });

  it('logs out: the session and its signing key are gone', async () => {
    const { b, username } = await signUpPatient();
    await b.login('patient', username, 'correct horse battery staple');
    expect((await b.get('/auth/session')).status).toBe(200);
    const keys = g.gw.ctx.keys.size;
    expect((await b.post('/auth/logout')).status).toBe(204);
    expect(g.gw.ctx.keys.size).toBe(keys - 1);
    const after = await b.get('/auth/session');
    expect(after.status).toBe(401);
  });
});

describe('hospital admin', () => {
  it('cannot read records: the chaincode refuses and the gateway answers 403 with the chaincode’s code', async () => {
    const patient = await signUpPatient();
    const admin = await new Browser(g.url).start();
    expect((await admin.login('admin', 'admin', g.adminPassword)).status).toBe(200);
    const before = g.proposals.length;
    const r = await admin.get(`/patients/${encodeURIComponent(patient.r.body.personId)}/records`);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN_ROLE');
    // It was the chaincode that said so, to a proposal signed by the admin.
    const sent = g.proposals.slice(before).find((p) => p.fn === 'records:ListRecords');
    expect(sent).toBeDefined();
    expect(signedBy(sent!.proposedTransaction).attributes.role).toBe('admin');
  });

  it('lists and disables accounts; a disabled account cannot log in and its session ends', async () => {
    const patient = await signUpPatient();
    await patient.b.login('patient', patient.username, 'correct horse battery staple');
    const admin = await new Browser(g.url).start();
    await admin.login('admin', 'admin', g.adminPassword);
    const list = await admin.get(`/admin/users?role=patient&q=${patient.username}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([patient.r.body.id]);

    const off = await admin.request('PATCH', `/admin/users/${patient.r.body.id}`, {
      disabled: true,
    });
    expect(off.status).toBe(200);
    expect(off.body.disabled).toBe(true);
    const denied = await patient.b.get(
      `/patients/${encodeURIComponent(patient.r.body.personId)}/doctors`,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('ACCOUNT_DISABLED');
    const again = await new Browser(g.url)
      .start()
      .then((b) => b.login('patient', patient.username, 'correct horse battery staple'));
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('ACCOUNT_DISABLED');
  });

  it('assigns a doctor to a patient: a transaction signed by the admin; the patient sees the doctor, the doctor the patient', async () => {
    const patient = await signUpPatient();
    const doctorName = uniqueName('doc');
    const doctor = await g.gw.ctx.accounts.create({
      role: 'doctor',
      username: doctorName,
      email: `${doctorName}@example.org`,
      fullName: 'Dr. Lin',
      govId: `MD-${doctorName.toUpperCase()}`,
      password: 'a doctor password that is long',
    });
    const doctorId = `${h1.mspId}/${doctor.id}`;
    const admin = await new Browser(g.url).start();
    await admin.login('admin', 'admin', g.adminPassword);
    const before = g.proposals.length;
    const r = await admin.post('/admin/assignments', {
      patientId: patient.r.body.personId,
      doctorId,
    });
    expect(r.status).toBe(201);
    expect(r.body.assignment).toMatchObject({
      patientId: patient.r.body.personId,
      doctorId,
      active: true,
    });
    expect(r.body.transactionId).toMatch(/^[0-9a-f]{64}$/);
    const sent = g.proposals.slice(before).find((p) => p.fn === 'assignments:AssignDoctor');
    const who = signedBy(sent!.proposedTransaction);
    expect(who.transactionId).toBe(r.body.transactionId);
    expect(who.attributes.role).toBe('admin');
    expect(who.signatureValid).toBe(true);

    await patient.b.login('patient', patient.username, 'correct horse battery staple');
    const history = await patient.b.get(
      `/patients/${encodeURIComponent(patient.r.body.personId)}/doctors`,
    );
    expect(history.body).toEqual([expect.objectContaining({ doctorId, active: true })]);
    const d = await new Browser(g.url).start();
    await d.login('doctor', doctorName, 'a doctor password that is long');
    expect((await d.get('/doctors/me/patients')).body.items).toContain(patient.r.body.personId);

    // Assigning twice is the chaincode's ALREADY_EXISTS (409); ending it works once.
    const again = await admin.post('/admin/assignments', {
      patientId: patient.r.body.personId,
      doctorId,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_EXISTS');
    const query = new URLSearchParams({ patientId: patient.r.body.personId, doctorId });
    const end = await admin.request('DELETE', `/admin/assignments?${query}`);
    expect(end.status).toBe(200);
    expect(end.body.assignment.active).toBe(false);
  });

  it('creates an auditor account with its own Fabric identity', async () => {
    const admin = await new Browser(g.url).start();
    await admin.login('admin', 'admin', g.adminPassword);
    const username = uniqueName('aud');
    const pw = 'an auditor password 123';
    const r = await admin.post('/admin/users', {
      role: 'auditor',
      fullName: 'Ann Auditor',
      email: `${username}@example.org`,
      username,
      password: pw,
      passwordConfirmation: pw,
    });
    expect(r.status).toBe(201);
    expect(r.body.role).toBe('auditor');
    const stored = await g.gw.ctx.accounts.findById(r.body.id);
    expect(signedByCert(stored!.certificate)).toMatchObject({ role: 'auditor', uid: r.body.id });
    expect(
      (await new Browser(g.url).start().then((b) => b.login('auditor', username, pw))).status,
    ).toBe(200);
  });

  it('the gateway can act as its bootstrap admin at start (e.g. to register the hospital)', async () => {
    const before = g.proposals.length;
    const hospital = await (
      await bootstrapAdminLedger(g.gw.ctx)
    ).evaluate<{ mspId: string }>('hospitals:GetHospital', [h1.mspId]);
    expect(hospital.mspId).toBe(h1.mspId);
    expect(signedBy(g.proposals[before]!.proposedTransaction).attributes.role).toBe('admin');
  });

  it('shows the login audit: who tried, from where, with what outcome', async () => {
    const { username } = await signUpPatient();
    const b = await new Browser(g.url).start();
    await b.login('patient', username, 'wrong password, twice');
    await b.login('patient', username, 'correct horse battery staple');
    const admin = await new Browser(g.url).start();
    await admin.login('admin', 'admin', g.adminPassword);
    const r = await admin.get(`/admin/login-audit?username=${username}`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((e: { outcome: string; ip: string }) => [e.outcome, e.ip])).toEqual([
      ['success', '127.0.0.1'],
      ['bad_password', '127.0.0.1'],
    ]);
    expect(JSON.stringify(r.body)).not.toContain('wrong password');
  });

  it('a patient session cannot use admin endpoints', async () => {
    const { b, username } = await signUpPatient();
    await b.login('patient', username, 'correct horse battery staple');
    const r = await b.get('/admin/users');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN_ROLE');
  });
});
