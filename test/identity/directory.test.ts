// Names instead of ledger ids, across both hospitals' real gateways: a doctor who signs up is
// published in the ledger's directory by their hospital and found by name from the other
// hospital; a patient's name is given only by the patient's own gateway, only to the patient,
// its admins and the doctor the ledger shows caring for them (and no longer once the assignment
// ends); a disabled doctor leaves the search; counts per hospital are for admins and auditors.
import { SmsSink } from '@ehr/gateway';
import { testNetwork, waitFor } from '../support';
import { Browser, patientForm, startTestGateway, uniqueName, type TestGateway } from './harness';
import { ensureHospitalRegistered } from './ledger';

const net = testNetwork();
const [h1, h2] = net.hospitals as [(typeof net.hospitals)[0], (typeof net.hospitals)[0]];
const PASSWORD = 'a long password for the directory';
const run = uniqueName('d');
const DOCTOR_NAME = `Dr. Ana Directory ${run}`;

let g1: TestGateway;
let g2: TestGateway;
let admin1: Browser;

interface Label {
  personId: string;
  mspId: string;
  hospitalName: string;
  name?: string;
  role?: string;
  specialty?: string;
}

beforeAll(async () => {
  [g1, g2] = await Promise.all([startTestGateway(net, h1), startTestGateway(net, h2)]);
  await ensureHospitalRegistered(net, h1);
  await ensureHospitalRegistered(net, h2);
  admin1 = await new Browser(g1.url).start();
  expect((await admin1.login('admin', 'admin', g1.adminPassword)).status).toBe(200);
});
afterAll(async () => {
  await g1?.close();
  await g2?.close();
});

async function signUpPatient(g: TestGateway): Promise<{ b: Browser; id: string }> {
  const username = uniqueName('pat');
  const b = await new Browser(g.url).start();
  const r = await b.post('/signup/patient', {
    ...patientForm(username, PASSWORD),
    ...(await b.captcha()),
  });
  expect(r.status).toBe(201);
  expect((await b.login('patient', username, PASSWORD)).status).toBe(200);
  return { b, id: r.body.personId as string };
}

async function signUpDoctor(): Promise<{ b: Browser; id: string; userId: string }> {
  const govId = `MD-${run.toUpperCase()}`;
  const phone = '+14155559876';
  const csv = `govId,name,phone,specialty\n${govId},${DOCTOR_NAME},${phone},Cardiology\n`;
  expect((await admin1.post('/admin/registry', csv, 'text/csv')).status).toBe(200);
  const b = await new Browser(g1.url).start();
  const sent = await b.post('/signup/doctor/code', { govId, ...(await b.captcha()) });
  expect(sent.status).toBe(202);
  const messages = await (g1.gw.ctx.sms as SmsSink).messages(phone);
  const code = /\b(\d{6})\b/.exec(messages.at(-1)?.body ?? '')![1]!;
  const username = uniqueName('doc');
  const r = await b.post('/signup/doctor', {
    challengeId: sent.body.challengeId,
    code,
    username,
    email: `${username}@example.org`,
    password: PASSWORD,
    passwordConfirmation: PASSWORD,
  });
  expect(r.status).toBe(201);
  expect((await b.login('doctor', username, PASSWORD)).status).toBe(200);
  return { b, id: r.body.personId as string, userId: r.body.id as string };
}

async function labels(b: Browser, ...ids: string[]): Promise<Label[]> {
  const r = await b.get<{ items: Label[] }>(
    `/directory/people?${ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&')}`,
  );
  expect(r.status).toBe(200);
  return r.body.items;
}

const search = async (b: Browser, q: string) =>
  (
    await b.get<{
      items: { doctorId: string; displayName: string; hospitalName: string; specialty?: string }[];
    }>(`/directory/doctors?q=${encodeURIComponent(q)}`)
  ).body.items;

describe('the consortium directory and names for ledger ids', () => {
  let doctor: Awaited<ReturnType<typeof signUpDoctor>>;
  let patient: Awaited<ReturnType<typeof signUpPatient>>;
  let otherPatient: Awaited<ReturnType<typeof signUpPatient>>;
  let patientAtH2: Awaited<ReturnType<typeof signUpPatient>>;

  beforeAll(async () => {
    doctor = await signUpDoctor();
    [patient, otherPatient, patientAtH2] = [
      await signUpPatient(g1),
      await signUpPatient(g1),
      await signUpPatient(g2),
    ];
  });

  it('a doctor who signs up is listed by their hospital and found by name from the other hospital', async () => {
    // Published in the background after the signup answered.
    const found = await waitFor('the new doctor in the directory', async () =>
      (await search(patientAtH2.b, `ana directory ${run}`)).find((d) => d.doctorId === doctor.id),
    );
    expect(found).toMatchObject({
      displayName: DOCTOR_NAME,
      specialty: 'Cardiology',
      hospitalName: h1.displayName ?? h1.name,
    });
    // Every word must match: another name finds nothing.
    expect(await search(patientAtH2.b, `ana directory ${run} dermatology`)).toEqual([]);
    const hospitals = await patientAtH2.b.get('/directory/hospitals');
    expect(hospitals.body.items.map((h: { mspId: string }) => h.mspId)).toEqual(
      expect.arrayContaining([h1.mspId, h2.mspId]),
    );
  });

  it('a patient’s name only at their own hospital, to themself, its admins and their doctor while assigned', async () => {
    const named = { personId: patient.id, name: 'Ada Patient', role: 'patient' };
    const neutral = {
      personId: patient.id,
      mspId: h1.mspId,
      hospitalName: h1.displayName ?? h1.name,
    };
    const doctorLabel = {
      personId: doctor.id,
      name: DOCTOR_NAME,
      role: 'doctor',
      specialty: 'Cardiology',
    };

    expect(await labels(patient.b, patient.id, doctor.id)).toEqual([
      expect.objectContaining(named),
      expect.objectContaining(doctorLabel),
    ]);
    expect(await labels(admin1, patient.id)).toEqual([expect.objectContaining(named)]);
    // Before any assignment the doctor has no reason to know the name.
    expect(await labels(doctor.b, patient.id)).toEqual([neutral]);
    expect(await labels(otherPatient.b, patient.id)).toEqual([neutral]);
    // The other hospital's gateway does not hold the name at all; the doctor is named there too.
    expect(await labels(patientAtH2.b, patient.id, doctor.id)).toEqual([
      neutral,
      expect.objectContaining(doctorLabel),
    ]);

    const assigned = await admin1.post('/admin/assignments', {
      patientId: patient.id,
      doctorId: doctor.id,
    });
    expect(assigned.status).toBe(201);
    expect(await labels(doctor.b, patient.id)).toEqual([expect.objectContaining(named)]);

    const ended = await admin1.request(
      'DELETE',
      `/admin/assignments?patientId=${encodeURIComponent(patient.id)}&doctorId=${encodeURIComponent(doctor.id)}`,
    );
    expect(ended.status).toBe(200);
    expect(await labels(doctor.b, patient.id)).toEqual([neutral]);
  });

  it('refuses a malformed id and more than 100 ids', async () => {
    const bad = await patient.b.get('/directory/people?ids=not-a-person');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const many = Array.from({ length: 101 }, (_, i) => `ids=${h1.mspId}%2Fp-${i}`).join('&');
    expect((await patient.b.get(`/directory/people?${many}`)).status).toBe(400);
  });

  it('counts per hospital for admins; a patient is refused by the chaincode', async () => {
    const counts = await admin1.get('/directory/hospital-counts');
    expect(counts.status).toBe(200);
    const mine = counts.body.items.find((c: { mspId: string }) => c.mspId === h1.mspId);
    expect(mine.doctorsListed).toBeGreaterThanOrEqual(1);
    expect(Object.keys(mine).sort()).toEqual([
      'activeGrantsByPatients',
      'breakGlassDeclared',
      'displayName',
      'doctorsListed',
      'mspId',
      'patientsWithRecords',
      'readsByMembers',
      'recordsAuthored',
    ]);
    const refused = await patient.b.get('/directory/hospital-counts');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN_ROLE');
  });

  it('a disabled doctor leaves the search, and old records still name them', async () => {
    const off = await admin1.request('PATCH', `/admin/users/${doctor.userId}`, { disabled: true });
    expect(off.status).toBe(200);
    await waitFor('the disabled doctor withdrawn', async () =>
      (await search(patientAtH2.b, run)).every((d) => d.doctorId !== doctor.id),
    );
    expect(await labels(patientAtH2.b, doctor.id)).toEqual([
      expect.objectContaining({ name: DOCTOR_NAME, role: 'doctor' }),
    ]);
  });
});
