// Names instead of ledger ids, across both hospitals' real gateways: a doctor who signs up is
// listed (id and active flag only) in the ledger's directory by their hospital, and found by
// name from the other hospital, whose gateway asks the doctor's hospital's gateway over mutual
// TLS (the federation port) and caches the answer; the name and specialty are in no block of the
// channel. A patient's name is given only by the patient's own gateway, only to the patient, its
// admins and the doctor the ledger shows caring for them (and no longer once the assignment
// ends); a disabled doctor leaves the search and is forgotten by the other hospital; counts per
// hospital are for admins and auditors.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { createCa, issue } from '@ehr/devnet/dist/src/testing';
import { openBlockSource, readerConfig } from '@ehr/evm-anchor';
import { SmsSink } from '@ehr/gateway';
import { orgPaths } from '@ehr/network';
import { PeerClients, call } from '../chaincode/ledger-client';
import { enrollTestUser, testNetwork, waitFor } from '../support';
import { Browser, patientForm, startTestGateway, uniqueName, type TestGateway } from './harness';
import { ensureHospitalRegistered } from './ledger';

const net = testNetwork();
const [h1, h2] = net.hospitals as [(typeof net.hospitals)[0], (typeof net.hospitals)[0]];
const PASSWORD = 'a long password for the directory';
const run = uniqueName('d');
const DOCTOR_NAME = `Dr. Ana Directory ${run}`;
// Unique to this run, so that finding it in no block means something on a reused ledger.
const SPECIALTY = `Cardiology ${run}`;

let g1: TestGateway;
let g2: TestGateway;
/** Hospital1's in-process gateway's federation port (the stack's gateways use network.yaml's). */
let federationPort1: number;
let admin1: Browser;

interface FederationAnswer {
  mspId: string;
  doctors: Record<string, string>[];
}

interface Label {
  personId: string;
  mspId: string;
  hospitalName: string;
  name?: string;
  role?: string;
  specialty?: string;
}

/** Hospital2's gateway asks this test's Hospital1 gateway, at each missing name. */
const peersOf2 = (port: number) => ({
  EHR_FEDERATION_PEERS: `${h1.mspId}=https://127.0.0.1:${port}`,
  EHR_FEDERATION_MISS_REFRESH_SECONDS: '0',
});

beforeAll(async () => {
  g1 = await startTestGateway(net, h1);
  federationPort1 = await g1.gw.listenFederation(0);
  g2 = await startTestGateway(net, h2, peersOf2(federationPort1));
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
  const csv = `govId,name,phone,specialty\n${govId},${DOCTOR_NAME},${phone},${SPECIALTY}\n`;
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

/** Lists `doctorId` as active in the ledger's directory, signed by a Hospital1 admin (no gateway). */
async function listOnLedger(doctorId: string): Promise<void> {
  const clients = new PeerClients(net);
  try {
    const admin = await enrollTestUser(net, h1, { role: 'admin' });
    const contract = clients.contract(clients.gateway(h1, admin));
    const listed = await call(contract, 'directory:PublishDoctor', [
      JSON.stringify({ doctorId, active: true }),
    ]);
    expect(listed.ok).toBe(true);
  } finally {
    clients.close();
  }
}

async function labels(b: Browser, ...ids: string[]): Promise<Label[]> {
  const r = await b.get<{ items: Label[] }>(
    `/directory/people?${ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&')}`,
  );
  expect(r.status).toBe(200);
  return r.body.items;
}

async function search(b: Browser, q: string) {
  const r = await b.get<{
    items: { doctorId: string; displayName: string; hospitalName: string; specialty?: string }[];
    code?: string;
  }>(`/directory/doctors?q=${encodeURIComponent(q)}`);
  if (r.status !== 200) throw new Error(`the search answered ${r.status} ${r.body.code}`);
  return r.body.items;
}

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
    const found = await waitFor('the new doctor in the directory', async () => {
      const there = (await search(patientAtH2.b, `ana directory ${run}`)).find(
        (d) => d.doctorId === doctor.id,
      );
      if (there) return there;
      // Which half is missing, should this time out: the ledger's entry, or the name from Hospital1.
      const home = await search(patient.b, `ana directory ${run}`);
      throw new Error(
        home.some((d) => d.doctorId === doctor.id)
          ? 'listed and named at Hospital1, not found through Hospital2'
          : 'not found at Hospital1 either (no active directory entry on the ledger)',
      );
    });
    expect(found).toMatchObject({
      displayName: DOCTOR_NAME,
      specialty: SPECIALTY,
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
      specialty: SPECIALTY,
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

  it('the ledger lists the doctor by id: their name and specialty are in no block of the channel', async () => {
    await waitFor('the new doctor in the directory', async () =>
      (await search(patientAtH2.b, run)).some((d) => d.doctorId === doctor.id),
    );
    const source = openBlockSource(
      await readerConfig(net, h2.mspId, { LEDGER: process.env.LEDGER }),
    );
    try {
      const newest = BigInt((await source.newest()).getHeader()!.getNumber());
      const needles = { id: doctor.id, name: DOCTOR_NAME, specialty: SPECIALTY };
      const seen = { id: 0, name: 0, specialty: 0 };
      let blocks = 0n;
      for await (const block of source.blocks(0n, newest)) {
        const bytes = Buffer.from(block.serializeBinary());
        for (const k of Object.keys(needles) as (keyof typeof needles)[])
          if (bytes.includes(Buffer.from(needles[k], 'utf8'))) seen[k]++;
        blocks++;
      }
      expect(blocks).toBe(newest + 1n);
      expect(seen.id).toBeGreaterThan(0);
      expect(seen).toEqual({ id: seen.id, name: 0, specialty: 0 });
    } finally {
      source.close();
    }
  });

  describe('the federation port (mutual TLS between member gateways)', () => {
    const h1Ca = () => readFileSync(orgPaths(net, h1).caCert);
    /** GET /federation/v1/doctors on Hospital1's test gateway with this client certificate. */
    const federationGet = (tls: { cert: string | Buffer; key: string | Buffer } | undefined) =>
      new Promise<{ status: number; body: FederationAnswer }>((resolve, reject) => {
        const req = httpsRequest(
          `https://127.0.0.1:${federationPort1}/federation/v1/doctors`,
          { ca: h1Ca(), ...(tls ?? {}), agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    const gatewayTls = (h: typeof h1) => {
      const p = orgPaths(net, h).gatewayService!;
      return { cert: readFileSync(p.tlsCert), key: readFileSync(p.tlsKey) };
    };

    it('answers another member’s gateway: active doctors’ names and specialties, nothing else', async () => {
      // An id Hospital1's admin may list but no account of this gateway can have (the chaincode
      // takes any uid; the accounts here are UUIDs): it must not fail the answer for everyone.
      const oddId = `${h1.mspId}/${run}-not-an-account`;
      await listOnLedger(oddId);
      const r = await federationGet(gatewayTls(h2));
      expect(r.status).toBe(200);
      expect(r.body.mspId).toBe(h1.mspId);
      const mine = r.body.doctors.find((d) => d.doctorId === doctor.id);
      expect(mine).toEqual({ doctorId: doctor.id, displayName: DOCTOR_NAME, specialty: SPECIALTY });
      expect(r.body.doctors.map((d) => d.doctorId)).not.toContain(oddId);
      // Nor the names this gateway gives its own people.
      const odd = await labels(patient.b, oddId);
      expect(odd).toEqual([expect.objectContaining({ personId: oddId, role: 'doctor' })]);
      expect(odd[0]!.name).toBeUndefined();
      for (const d of r.body.doctors)
        expect(
          Object.keys(d).every((k) => ['doctorId', 'displayName', 'specialty'].includes(k)),
        ).toBe(true);
    });

    it('refuses a client without a certificate, and one from a CA that is not a member', async () => {
      await expect(federationGet(undefined)).rejects.toThrow();
      const outsider = await createCa({ name: 'Outsider', domain: 'outsider.example' });
      const forged = await issue(outsider, 'gateway', 'client', true);
      await expect(federationGet({ cert: forged.cert, key: forged.key })).rejects.toThrow();
    });

    it('refuses a member’s certificate that is not another hospital’s gateway', async () => {
      // Hospital1's own gateway, and Hospital2's peer: members' certificates, not callers.
      expect((await federationGet(gatewayTls(h1))).status).toBe(403);
      const peer = orgPaths(net, h2).peer!;
      const r = await federationGet({
        cert: readFileSync(peer.tlsCert),
        key: readFileSync(peer.tlsKey),
      });
      expect(r.status).toBe(403);
    });
  });

  it('with Hospital1’s gateway unreachable, Hospital2 shows the cached name, and a neutral label for an uncached doctor', async () => {
    // A doctor Hospital1 lists on the ledger but whose name Hospital2 was never told.
    const uncached = `${h1.mspId}/${randomUUID()}`;
    await listOnLedger(uncached);
    // A port nobody listens on: Hospital2's second gateway process (same database, so the same
    // cache) finds Hospital1's federation port down.
    const dead = await new Promise<number>((resolve) => {
      const s = createTcpServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const c2 = g2.gw.ctx.config;
    const g2b = await startTestGateway(net, h2, {
      ...peersOf2(dead),
      DATABASE_URL: c2.databaseUrl!,
      EHR_SESSION_SECRET: c2.sessionSecret,
      EHR_KEY_CUSTODY_PEPPER: c2.keyPepper,
      EHR_BOOTSTRAP_ADMIN_PASSWORD: c2.bootstrapAdmin.password,
    });
    try {
      const p = await signUpPatient(g2b);
      expect(await labels(p.b, doctor.id, uncached)).toEqual([
        expect.objectContaining({ name: DOCTOR_NAME, role: 'doctor', specialty: SPECIALTY }),
        {
          personId: uncached,
          mspId: h1.mspId,
          hospitalName: h1.displayName ?? h1.name,
          role: 'doctor',
        },
      ]);
      expect((await search(p.b, `directory ${run}`)).map((d) => d.doctorId)).toEqual([doctor.id]);
    } finally {
      await g2b.close();
    }
  });

  it('a disabled doctor leaves the search; the other hospital forgets the name, their own still names them', async () => {
    const off = await admin1.request('PATCH', `/admin/users/${doctor.userId}`, { disabled: true });
    expect(off.status).toBe(200);
    await waitFor('the disabled doctor withdrawn', async () =>
      (await search(patientAtH2.b, run)).every((d) => d.doctorId !== doctor.id),
    );
    expect(await labels(patientAtH2.b, doctor.id)).toEqual([
      {
        personId: doctor.id,
        mspId: h1.mspId,
        hospitalName: h1.displayName ?? h1.name,
        role: 'doctor',
      },
    ]);
    expect(await labels(admin1, doctor.id)).toEqual([
      expect.objectContaining({ name: DOCTOR_NAME, role: 'doctor' }),
    ]);
    // The next refresh drops the cached name (the ledger no longer lists the doctor as active).
    await g2.gw.ctx.remoteNames!.refreshAll();
    const { rows } = await g2.gw.ctx.pool.query(
      'SELECT count(*)::int AS n FROM remote_doctor_names WHERE doctor_id = $1',
      [doctor.id],
    );
    expect(rows[0].n).toBe(0);
  });
});
