// The records path on the real stack, both hospitals: real Fabric CA identities, the ledger
// through the Fabric Gateway, IPFS Cluster and Kubo, PostgreSQL. Each hospital's gateway runs
// in-process on a fresh database (test/identity's harness) with the hospital's own record key.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyHolder } from '@ehr/chaincode/api';
import { bootstrapAdminLedger, unsealPrivateKey } from '@ehr/gateway';
import { CidStream, IpfsClusterClient, kuboCat } from '@ehr/network';
import { testNetwork, testStackStatus, waitFor } from '../support';
import { patientForm, startTestGateway, uniqueName, type TestGateway } from '../identity/harness';
import { faultProxy } from './fault-proxy';
import { Session } from './session';

const net = testNetwork();
const [h1, h2] = [net.hospitals[0]!, net.hospitals[1]!];
const DOCTOR_PASSWORD = 'a doctor password that is long';
const MAX_BYTES = 2 * 1024 * 1024;

const suiteStart = new Date(Date.now() - 60_000).toISOString();
let g1: TestGateway;
let g2: TestGateway;
let patientId: string;
let patient: Session;
let doctor1: Session; // Hospital1, assigned to the patient
let doctor1User: { id: string; certificate: string; sealedKey: unknown };
let doctor1b: Session; // Hospital1, not assigned
let doctor2: Session; // Hospital2
let doctor2Id: string;

const pdf = (bytes: number) =>
  Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(bytes)]);
const cluster1 = () => new IpfsClusterClient(net, h1);

async function doctorAt(
  g: TestGateway,
  h: typeof h1,
): Promise<{
  id: string;
  session: Session;
  user: Awaited<ReturnType<TestGateway['gw']['ctx']['accounts']['create']>>;
}> {
  const username = uniqueName('doc');
  const user = await g.gw.ctx.accounts.create({
    role: 'doctor',
    username,
    email: `${username}@example.org`,
    fullName: 'Dr. Test',
    govId: `MD-${username.toUpperCase()}`,
    password: DOCTOR_PASSWORD,
  });
  return {
    id: `${h.mspId}/${user.id}`,
    user,
    session: await new Session(g.url).login('doctor', username, DOCTOR_PASSWORD),
  };
}

/** Settles within `ms` whatever happens, so a frozen peer is always thawed in `finally`. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    sleep(ms).then(() => Promise.reject(new Error(`no answer within ${ms} ms`))),
  ]);
}

/** The ledger as doctor1 signs for it, for reads and writes the gateway would not make. */
async function doctor1Ledger() {
  const privateKey = await unsealPrivateKey(
    doctor1User.sealedKey as never,
    DOCTOR_PASSWORD,
    g1.gw.ctx.config.keyPepper,
    doctor1User.id,
  );
  return g1.gw.ctx.ledger.as({
    mspId: h1.mspId,
    certificate: doctor1User.certificate,
    privateKey,
  });
}

/** A new Hospital1 auditor, signed in. */
async function auditorAt1(): Promise<Session> {
  const username = uniqueName('aud');
  await g1.gw.ctx.accounts.create({
    role: 'auditor',
    username,
    email: `${username}@example.org`,
    fullName: 'Ann Auditor',
    password: DOCTOR_PASSWORD,
  });
  return new Session(g1.url).login('auditor', username, DOCTOR_PASSWORD);
}

async function recordCount(): Promise<number> {
  const r = await patient.get(`/patients/${encodeURIComponent(patientId)}/records`);
  expect(r.status).toBe(200);
  return r.json.items.length;
}

async function pinCount(): Promise<number> {
  return (await cluster1().pins()).length;
}

/** A gateway's list of stored files the ledger may not reference (records/orphan-pins). */
async function orphanRows(g: TestGateway) {
  const { rows } = await g.gw.ctx.pool.query<{
    cid: string;
    reason: string;
    transaction_id: string | null;
    last_error: string | null;
    attempts: number;
    next_attempt_at: Date;
  }>('SELECT * FROM orphan_pins ORDER BY created_at');
  return rows;
}

beforeAll(async () => {
  process.env.EHR_RECORD_MAX_BYTES = String(MAX_BYTES);
  // The tests sweep orphan pins themselves: no timer's sweep between an entry and its check.
  process.env.EHR_ORPHAN_SWEEP_SECONDS = '86400';
  g1 = await startTestGateway(net, h1);
  g2 = await startTestGateway(net, h2);
  await g1.gw.ctx.records!.hospitalKey.ensure();
  await g2.gw.ctx.records!.hospitalKey.ensure();

  const username = uniqueName('pat');
  const signup = new Session(g1.url);
  await signup
    .get('/auth/csrf')
    .then((r) => ((signup as unknown as { csrf: string }).csrf = r.json.csrfToken));
  const captcha = (await signup.get('/auth/captcha')).json;
  const answer = (await signup.get(`/dev/captcha/${captcha.captchaId}`)).json.answer;
  const r = await signup.request('POST', '/signup/patient', {
    json: { ...patientForm(username), captchaId: captcha.captchaId, captchaAnswer: answer },
  });
  expect(r.status).toBe(201);
  patientId = r.json.personId;
  patient = await new Session(g1.url).login('patient', username, 'correct horse battery staple');

  const d1 = await doctorAt(g1, h1);
  doctor1 = d1.session;
  doctor1User = d1.user;
  doctor1b = (await doctorAt(g1, h1)).session;
  const d2 = await doctorAt(g2, h2);
  doctor2 = d2.session;
  doctor2Id = d2.id;
  const admin = await new Session(g1.url).login('admin', 'admin', g1.adminPassword);
  const assigned = await admin.request('POST', '/admin/assignments', {
    json: { patientId, doctorId: d1.id },
  });
  expect(assigned.status).toBe(201);
});

afterAll(async () => {
  delete process.env.EHR_RECORD_MAX_BYTES;
  await g1?.close();
  await g2?.close();
});

describe('upload and download', () => {
  let recordId: string;
  let cid: string;
  const file = pdf(300 * 1024 + 17);

  it('gives a new patient empty lists, not errors: no reads, no break-glass yet', async () => {
    // An empty page of a paginated ledger query comes back without metadata (no bookmark).
    for (const path of ['access-events', 'break-glass']) {
      const r = await patient.get(`/patients/${encodeURIComponent(patientId)}/${path}`);
      expect({ path, status: r.status, items: r.json?.items }).toEqual({
        path,
        status: 200,
        items: [],
      });
    }
  });

  it('stores the file encrypted on both IPFS peers and records it on the ledger', async () => {
    const r = await doctor1.upload(patientId, file, { remark: 'follow-up in 2 weeks' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      recordId: expect.any(String),
      cid: expect.stringMatching(/^baf/),
      transactionId: expect.stringMatching(/^[0-9a-f]{64}$/),
      replicas: 2,
    });
    ({ recordId, cid } = r.json);
    const meta = await doctor1.get(`/records/${recordId}`);
    expect(meta.status).toBe(200);
    expect(meta.json).toMatchObject({
      recordId,
      patientId,
      cid,
      mediaType: 'application/pdf',
      category: 'report',
      txId: r.json.transactionId,
    });
    expect(r.headers.get('server-timing')).toMatch(/committed;dur=\d+/);
    // What IPFS holds is ciphertext whose hash the ledger carries.
    const stored = await kuboCat(h2, cid);
    expect(stored.includes(file.subarray(0, 32))).toBe(false);
    expect(stored.length).toBe(meta.json.size);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(meta.json.sha256);
    // The CID the gateway computed and endorsed is the one the cluster stored these bytes under.
    const local = new CidStream();
    local.resume();
    local.end(stored);
    expect(await local.cid).toBe(cid);
  });

  it('gives the author and the patient the identical bytes, and logs each read exactly once', async () => {
    const byDoctor = await doctor1.get(`/records/${recordId}/content`);
    expect(byDoctor.status).toBe(200);
    expect(byDoctor.headers.get('content-type')).toBe('application/pdf');
    expect(byDoctor.headers.get('content-disposition')).toContain(`${recordId}.pdf`);
    expect(byDoctor.bytes.equals(file)).toBe(true);
    const byPatient = await patient.get(`/records/${recordId}/content`);
    expect(byPatient.status).toBe(200);
    expect(byPatient.bytes.equals(file)).toBe(true);

    const log = await patient.get(`/patients/${encodeURIComponent(patientId)}/access-events`);
    expect(log.status).toBe(200);
    const reads = log.json.items.filter((e: { recordId: string }) => e.recordId === recordId);
    expect(
      reads
        .map((e: { readerRole: string; purpose: string }) => `${e.readerRole}:${e.purpose}`)
        .sort(),
    ).toEqual(['doctor:treatment', 'patient:patient-access']);
  });

  it("shows a Hospital1 auditor its staff's reads across patients", async () => {
    const auditor = await auditorAt1();
    // This run's reads only (the stack's log may hold many pages from earlier runs).
    const log = await auditor.get(`/audit/access-events?from=${encodeURIComponent(suiteStart)}`);
    expect(log.status).toBe(200);
    expect(
      log.json.items.filter(
        (e: { recordId: string; readerRole: string }) =>
          e.recordId === recordId && e.readerRole === 'doctor',
      ),
    ).toHaveLength(1);
  });

  it('answers a retry with the same Idempotency-Key with the first record, storing nothing new', async () => {
    const key = `retry-${Date.now()}`;
    const first = await doctor1.upload(patientId, pdf(5000), { idempotencyKey: key });
    expect(first.status).toBe(201);
    const records = await recordCount();
    const pins = await pinCount();
    const again = await doctor1.upload(patientId, pdf(5000), { idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toMatchObject({
      recordId: first.json.recordId,
      cid: first.json.cid,
      transactionId: first.json.transactionId,
    });
    expect(await recordCount()).toBe(records);
    expect(await pinCount()).toBe(pins);
  });

  describe('refuses bad input with a stable code, writing nothing', () => {
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'),
      randomBytes(4000),
    ]);
    it.each([
      [
        'an oversized file',
        () => doctor1.upload(patientId, pdf(MAX_BYTES + 1)),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a program disguised as a PDF',
        () => doctor1.upload(patientId, exe, { name: 'scan.pdf' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['an empty file', () => doctor1.upload(patientId, Buffer.alloc(0)), 400, 'FILE_EMPTY'],
      [
        'an unknown patient',
        () => doctor1.upload(`${h1.mspId}/no-such-patient`, pdf(100)),
        403,
        'NOT_ASSIGNED',
      ],
      [
        'a doctor not assigned to the patient',
        () => doctor1b.upload(patientId, pdf(100)),
        403,
        'NOT_ASSIGNED',
      ],
      [
        'an unknown category',
        () => doctor1.upload(patientId, pdf(100), { category: 'gossip' }),
        400,
        'VALIDATION_FAILED',
      ],
    ])('%s', async (_what, send, status, code) => {
      const records = await recordCount();
      const pins = await pinCount();
      const r = await send();
      expect({ status: r.status, code: r.json?.code }).toEqual({ status, code });
      expect(await recordCount()).toBe(records);
      expect(await pinCount()).toBe(pins);
    });
  });
});

describe("the doctor's remark", () => {
  const remark = 'Suspected fracture of the left radius; cast for 6 weeks, review on 14 March.';
  let recordId: string;

  beforeAll(async () => {
    const r = await doctor1.upload(patientId, pdf(4000), { remark });
    expect(r.status).toBe(201);
    recordId = r.json.recordId;
  });

  it('is shown to the patient and the author in the record views, and is never in clear on the ledger', async () => {
    for (const who of [patient, doctor1]) {
      expect((await who.get(`/records/${recordId}`)).json.remark).toBe(remark);
      const list = await who.get(`/patients/${encodeURIComponent(patientId)}/records`);
      expect(
        list.json.items.find((i: { recordId: string }) => i.recordId === recordId).remark,
      ).toBe(remark);
    }
    // What the ledger holds for the record (as the author's own signed read returns it).
    const ledger = await doctor1Ledger();
    const onLedger = JSON.stringify(await ledger.evaluate('records:GetRecordMetadata', [recordId]));
    expect(onLedger).toContain('"remark":');
    expect(onLedger).not.toContain('fracture');
    expect(onLedger).not.toContain(Buffer.from(remark).toString('base64').slice(0, 16));
  });

  it('is not shown to an auditor (metadata only), nor to a doctor without consent', async () => {
    const auditor = await auditorAt1();
    const seen = await auditor.get(`/records/${recordId}`);
    expect(seen.status).toBe(200);
    expect(seen.json.remark).toBeUndefined();
    expect(seen.json.remarkKeys).toBeUndefined();
    const other = await doctor2.get(`/records/${recordId}`);
    expect({ status: other.status, code: other.json?.code, remark: other.json?.remark }).toEqual({
      status: 403,
      code: 'ACCESS_DENIED',
      remark: undefined,
    });
  });

  it('is readable at another hospital once the patient shares the record', async () => {
    const grant = await patient.request('POST', '/consents', {
      json: {
        grantee: { type: 'doctor', doctorId: doctor2Id },
        scope: { type: 'records', recordIds: [recordId] },
      },
    });
    expect(grant.status).toBe(201);
    expect((await doctor2.get(`/records/${recordId}`)).json.remark).toBe(remark);
    expect((await patient.request('DELETE', `/consents/${grant.json.grantId}`)).status).toBe(204);
  });
});

describe('break-glass and the access log', () => {
  it('logs every successful read exactly once, a break-glass read with its reason, and no refused read', async () => {
    const file = pdf(9000);
    const up = await doctor1.upload(patientId, file);
    expect(up.status).toBe(201);
    const { recordId } = up.json;
    // Before break-glass, the unassigned doctor is refused: no trace in the log.
    const refused = await doctor1b.get(`/records/${recordId}/content`);
    expect({ status: refused.status, code: refused.json?.code }).toEqual({
      status: 403,
      code: 'ACCESS_DENIED',
    });

    const reason = 'Patient unconscious in the emergency room, allergy history needed now';
    const declared = await doctor1b.request(
      'POST',
      `/patients/${encodeURIComponent(patientId)}/break-glass`,
      { json: { reason } },
    );
    expect(declared.status).toBe(201);
    const reads = [
      await doctor1.get(`/records/${recordId}/content`),
      await doctor1.get(`/records/${recordId}/content`),
      await patient.get(`/records/${recordId}/content`),
      await doctor1b.get(`/records/${recordId}/content?purpose=emergency`),
    ];
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.bytes.equals(file)).toBe(true);
    }

    const log = await patient.get(`/patients/${encodeURIComponent(patientId)}/access-events`);
    expect(log.status).toBe(200);
    const events = log.json.items.filter((e: { recordId: string }) => e.recordId === recordId);
    const doctor1bId = declared.json.doctorId;
    expect(
      events
        .map(
          (e: { readerRole: string; purpose: string; basis: { type: string } }) =>
            `${e.readerRole}:${e.purpose}:${e.basis.type}`,
        )
        .sort(),
    ).toEqual([
      'doctor:emergency:break-glass',
      'doctor:treatment:author',
      'doctor:treatment:author',
      'patient:patient-access:self',
    ]);
    expect(
      events.find((e: { basis: { type: string } }) => e.basis.type === 'break-glass'),
    ).toMatchObject({
      readerId: doctor1bId,
      basis: { type: 'break-glass', breakGlassId: declared.json.breakGlassId, reason },
    });
    const declarations = await patient.get(
      `/patients/${encodeURIComponent(patientId)}/break-glass`,
    );
    expect(declarations.json.items).toContainEqual(
      expect.objectContaining({
        breakGlassId: declared.json.breakGlassId,
        doctorId: doctor1bId,
        reason,
      }),
    );
  });
});

/**
 * An upload through `g` that the ledger refuses after the file was added: a doctor of its own,
 * whose assignment ends while the upload streams. The key-holder check passed, so the file goes
 * to IPFS; AddRecord is then refused by the chaincode (NOT_ASSIGNED).
 */
async function uploadRefusedAfterAdd(g: TestGateway) {
  const doc = await doctorAt(g, h1);
  const admin = await new Session(g.url).login('admin', 'admin', g.adminPassword);
  const assign = { json: { patientId, doctorId: doc.id } };
  expect((await admin.request('POST', '/admin/assignments', assign)).status).toBe(201);
  const signedBefore = g.proposals.length;
  const checked = waitFor(
    'the upload to pass its key-holder check',
    async () => g.proposals.slice(signedBefore).some((p) => p.fn === 'records:GetKeyHolders'),
    60_000,
  );
  const ended = checked.then(async () => {
    const r = await admin.request(
      'DELETE',
      `/admin/assignments?patientId=${encodeURIComponent(patientId)}&doctorId=${encodeURIComponent(doc.id)}`,
    );
    expect(r.status).toBeLessThan(300);
  });
  const r = await doc.session.uploadInTwoParts(patientId, pdf(1536 * 1024), 256 * 1024, ended);
  return {
    r,
    outcome: {
      status: r.status,
      code: r.json?.code,
      cleanup: r.json?.details?.storedFile?.cleanup,
    },
  };
}

describe('the ledger refuses the record after the file was added', () => {
  it('unpins the file: no record, no pin, and the answer says what happened to the stored file', async () => {
    const records = await recordCount();
    const pins = await pinCount();
    const { r, outcome } = await uploadRefusedAfterAdd(g1);
    expect(outcome).toEqual({ status: 403, code: 'NOT_ASSIGNED', cleanup: 'unpinned' });
    const cid = r.json.details.storedFile.cid;
    expect((await cluster1().pins()).map((p) => p.cid)).not.toContain(cid);
    expect(await pinCount()).toBe(pins);
    expect(await recordCount()).toBe(records);
  });

  it('records the file for cleanup, and says so, when the unpin fails too; the sweeper unpins it later', async () => {
    // Hospital1's real cluster behind a proxy that refuses every unpin (DELETE /pins/…) until
    // the cluster "comes back".
    let refuseUnpins = true;
    const proxy = await faultProxy(
      h1.ipfs.clusterApiPort,
      (req) => refuseUnpins && req.method === 'DELETE',
    );
    const h1ViaProxy = { ...h1, ipfs: { ...h1.ipfs, clusterApiPort: proxy.port } };
    const g = await startTestGateway(
      { ...net, hospitals: net.hospitals.map((h) => (h.name === h1.name ? h1ViaProxy : h)) },
      h1ViaProxy,
    );
    let cid: string | undefined;
    try {
      const records = await recordCount();
      const { r, outcome } = await uploadRefusedAfterAdd(g);
      expect(outcome).toEqual({
        status: 403,
        code: 'NOT_ASSIGNED',
        cleanup: 'recorded-for-cleanup',
      });
      cid = r.json.details.storedFile.cid as string;
      expect(proxy.refused).toContain(`DELETE /pins/${cid}`);
      // Reported, not lost: the pin is still in the cluster, and the gateway's cleanup list names it.
      expect((await cluster1().pins()).map((p) => p.cid)).toContain(cid);
      expect(await orphanRows(g)).toEqual([
        expect.objectContaining({
          cid,
          reason: 'NOT_ASSIGNED',
          transaction_id: null,
          last_error: expect.stringContaining('HTTP 503'),
        }),
      ]);
      expect(await recordCount()).toBe(records);

      // The cluster takes unpins again: the next sweep removes the file and its entry.
      refuseUnpins = false;
      await g.gw.ctx.pool.query('UPDATE orphan_pins SET next_attempt_at = now()');
      expect(await g.gw.ctx.records!.orphanPins.sweep()).toEqual({
        unpinned: 1,
        committed: 0,
        waiting: 0,
        failed: 0,
      });
      expect((await cluster1().pins()).map((p) => p.cid)).not.toContain(cid);
      expect(await orphanRows(g)).toEqual([]);
    } finally {
      if (cid)
        await cluster1()
          .unpin(cid)
          .catch(() => undefined);
      await g.close();
      await proxy.close();
    }
  });

  it('keeps the file when the commit is not confirmed in time; the sweeper finds the record committed', async () => {
    // A gateway that waits 1 ms for commits: every write is handed to the orderer and commits,
    // but the gateway cannot know it in time (as when a commit status is lost or late).
    const g = await startTestGateway(net, h1, { EHR_LEDGER_COMMIT_TIMEOUT_MS: '1' });
    try {
      const doc = await doctorAt(g, h1);
      await (
        await bootstrapAdminLedger(g1.gw.ctx)
      ).submit('assignments:AssignDoctor', [patientId, doc.id]);
      const file = pdf(300_000);
      const idempotencyKey = `unconfirmed-${Date.now()}`;
      const r = await doc.session.upload(patientId, file, { idempotencyKey });
      expect({ status: r.status, code: r.json.code }).toEqual({
        status: 503,
        code: 'LEDGER_OUTCOME_UNKNOWN',
      });
      expect(r.json.details).toEqual({
        transactionId: expect.stringMatching(/^[0-9a-f]{64}$/),
        storedFile: { cid: expect.any(String), cleanup: 'kept-until-the-ledger-answers' },
      });
      const { cid } = r.json.details.storedFile;
      // Not unpinned: the record did commit, and its file must stay.
      expect((await cluster1().pins()).map((p) => p.cid)).toContain(cid);
      expect(await orphanRows(g)).toEqual([
        expect.objectContaining({
          cid,
          reason: 'LEDGER_OUTCOME_UNKNOWN',
          transaction_id: r.json.details.transactionId,
        }),
      ]);

      // The retry the answer asks for finds the record the first attempt wrote.
      const retry = await doc.session.upload(patientId, file, { idempotencyKey });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.json.cid).toBe(cid);

      // The sweeper asks the peer, learns the record committed, and keeps the file.
      expect(await g.gw.ctx.records!.orphanPins.sweep()).toEqual({
        unpinned: 0,
        committed: 1,
        waiting: 0,
        failed: 0,
      });
      expect(await orphanRows(g)).toEqual([]);
      expect((await cluster1().pins()).map((p) => p.cid)).toContain(cid);
      // Read at Hospital1's other gateway (this one's logged reads would not be confirmed either).
      const content = await doctor1.get(`/records/${retry.json.recordId}/content`);
      expect(content.status).toBe(200);
      expect(content.bytes.equals(file)).toBe(true);
    } finally {
      await g.close();
    }
  });

  it('unpins a kept file once its transaction has not committed within the grace period, not before', async () => {
    const cluster = cluster1();
    const late = await cluster.addStream(Readable.from([randomBytes(4096)]), 'orphan-test-late');
    const recent = await cluster.addStream(
      Readable.from([randomBytes(4096)]),
      'orphan-test-recent',
    );
    try {
      // Transactions the channel never saw: one recorded two hours ago (the grace is one), one now.
      await g1.gw.ctx.pool.query(
        `INSERT INTO orphan_pins (cid, record_id, reason, transaction_id, created_at) VALUES
           ($1, 'r-late', 'LEDGER_OUTCOME_UNKNOWN', $2, now() - interval '2 hours'),
           ($3, 'r-recent', 'LEDGER_OUTCOME_UNKNOWN', $4, now())`,
        [late, randomBytes(32).toString('hex'), recent, randomBytes(32).toString('hex')],
      );
      expect(await g1.gw.ctx.records!.orphanPins.sweep()).toEqual({
        unpinned: 1,
        committed: 0,
        waiting: 1,
        failed: 0,
      });
      const pinned = (await cluster.pins()).map((p) => p.cid);
      expect(pinned).not.toContain(late);
      expect(pinned).toContain(recent);
      expect(await orphanRows(g1)).toEqual([
        expect.objectContaining({ cid: recent, attempts: 1, next_attempt_at: expect.any(Date) }),
      ]);
      // Asked again later, with back-off, not at every sweep.
      expect((await orphanRows(g1))[0]!.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await g1.gw.ctx.pool.query('DELETE FROM orphan_pins');
      await cluster.unpin(recent).catch(() => undefined);
    }
  });
});

describe('integrity on the way out', () => {
  let genuine: string;
  let forged: string;

  it('answers 502 CONTENT_INTEGRITY_FAILED, and no file bytes, when IPFS holds other bytes than the ledger hash says', async () => {
    const up = await doctor1.upload(patientId, pdf(2000));
    expect(up.status).toBe(201);
    genuine = up.json.recordId;
    const meta = (await doctor1.get(`/records/${up.json.recordId}`)).json;
    // A record whose CID serves bytes that do not match its hash, as a substituted file would;
    // written with the doctor's own identity (the chaincode cannot see the file's bytes).
    const ledger = await doctor1Ledger();
    const holders = await ledger.evaluate<KeyHolder[]>('records:GetKeyHolders', [patientId]);
    forged = `forged-${Date.now()}`;
    const add = {
      recordId: forged,
      patientId,
      cid: meta.cid,
      sha256: createHash('sha256').update('other bytes').digest('hex'),
      size: meta.size,
      mediaType: meta.mediaType,
      category: meta.category,
      remarkHash: meta.remarkHash,
      wrappedKeys: holders.map((h) => ({
        mspId: h.mspId,
        keyId: h.keyId,
        wrappedKey: randomBytes(384).toString('base64'),
      })),
    };
    await ledger.submit('records:AddRecord', [JSON.stringify(add)]);

    const r = await doctor1.get(`/records/${forged}/content`);
    expect(r.status).toBe(502);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.json.code).toBe('CONTENT_INTEGRITY_FAILED');
  });

  it('shares the records whose key opens here, declares the one whose key does not (the grantee gets KEY_NOT_AVAILABLE for it)', async () => {
    // The forged record's wrapped keys are random bytes: Hospital1 cannot re-wrap its key. (Scope
    // "all" takes the same path; a revoked all-records grant would then answer CONSENT_REVOKED
    // instead of ACCESS_DENIED for the records the later tests add.)
    const grant = await patient.request('POST', '/consents', {
      json: {
        grantee: { type: 'doctor', doctorId: doctor2Id },
        scope: { type: 'records', recordIds: [genuine, forged] },
      },
    });
    try {
      expect(grant.status).toBe(201);
      expect(grant.json.keysUnavailable).toEqual([forged]);
      const listed = await patient.get(`/patients/${encodeURIComponent(patientId)}/consents`);
      expect(
        listed.json.items.find((g: { grantId: string }) => g.grantId === grant.json.grantId),
      ).toMatchObject({ keysUnavailable: [forged] });
      expect((await doctor2.get(`/records/${genuine}/content`)).status).toBe(200);
      const unreadable = await doctor2.get(`/records/${forged}/content`);
      expect({ status: unreadable.status, code: unreadable.json?.code }).toEqual({
        status: 409,
        code: 'KEY_NOT_AVAILABLE',
      });
    } finally {
      // Revoked, so the next tests start from no grant in force.
      if (grant.json?.grantId) await patient.request('DELETE', `/consents/${grant.json.grantId}`);
    }
  });
});

describe('one IPFS peer down', () => {
  it("accepts an upload with Hospital2's cluster peer frozen (1 replica), serves it, and has 2 copies once it returns", async () => {
    const c1 = cluster1();
    const peer2 = (
      await waitFor('the stack status', () => testStackStatus(), 30_000)
    ).services.find((s) => s.name === `cluster-${h2.name.toLowerCase()}`)!;
    const file = pdf(150 * 1024);
    process.kill(peer2.pid!, 'SIGSTOP');
    let cid: string;
    try {
      await waitFor(
        'Hospital1 to see Hospital2 as gone',
        async () => (await c1.livePeers()).length === 1,
        30_000,
      );
      const up = await within(60_000, doctor1.upload(patientId, file));
      expect(up.status).toBe(201);
      expect(up.json.replicas).toBe(1);
      cid = up.json.cid;
      const read = await within(30_000, doctor1.get(`/records/${up.json.recordId}/content`));
      expect(read.status).toBe(200);
      expect(read.bytes.equals(file)).toBe(true);
    } finally {
      process.kill(peer2.pid!, 'SIGCONT');
    }
    await waitFor('the pin on both peers', async () => (await c1.pinnedOn(cid)) >= 2, 150_000);
  }, 240_000);
});

describe('sharing across hospitals', () => {
  let recordId: string;
  const file = pdf(200 * 1024);

  beforeAll(async () => {
    const r = await doctor1.upload(patientId, file, { category: 'prescription' });
    expect(r.status).toBe(201);
    recordId = r.json.recordId;
  });

  it('a Hospital2 doctor reads through Hospital2 after the grant, and is refused before and after revocation', async () => {
    const before = await doctor2.get(`/records/${recordId}/content`);
    expect({ status: before.status, code: before.json?.code }).toEqual({
      status: 403,
      code: 'ACCESS_DENIED',
    });

    const grant = await patient.request('POST', '/consents', {
      json: {
        grantee: { type: 'doctor', doctorId: doctor2Id },
        scope: { type: 'records', recordIds: [recordId] },
      },
    });
    expect(grant.status).toBe(201);
    expect(grant.json).toMatchObject({
      patientId,
      grantee: { type: 'doctor', doctorId: doctor2Id },
      access: 'read',
    });

    const read = await doctor2.get(`/records/${recordId}/content`);
    expect(read.status).toBe(200);
    expect(read.bytes.equals(file)).toBe(true);

    const grants = await patient.get(`/patients/${encodeURIComponent(patientId)}/consents`);
    expect(grants.json.items.map((g: { grantId: string }) => g.grantId)).toContain(
      grant.json.grantId,
    );

    const revoke = await patient.request('DELETE', `/consents/${grant.json.grantId}`);
    expect(revoke.status).toBe(204);
    const after = await doctor2.get(`/records/${recordId}/content`);
    expect({ status: after.status, code: after.json?.code }).toEqual({
      status: 403,
      code: 'CONSENT_REVOKED',
    });

    const log = await patient.get(`/patients/${encodeURIComponent(patientId)}/access-events`);
    const reads = log.json.items.filter((e: { recordId: string }) => e.recordId === recordId);
    expect(reads).toEqual([
      expect.objectContaining({
        readerId: doctor2Id,
        readerMsp: h2.mspId,
        basis: { type: 'grant', grantId: grant.json.grantId },
      }),
    ]);
  });

  it('lists the grants in force for the Hospital2 doctor through Hospital2 ("shared with me"), and not once revoked', async () => {
    const toMe = async () => {
      const r = await doctor2.get('/doctors/me/consents');
      expect(r.status).toBe(200);
      return r.json.items as { grantId: string }[];
    };
    const scope = { type: 'records', recordIds: [recordId] };
    const notAfter = new Date(Date.now() + 24 * 3600_000).toISOString();
    const given: string[] = [];
    const give = async (grantee: object, extra: object = {}) => {
      const r = await patient.request('POST', '/consents', { json: { grantee, scope, ...extra } });
      expect(r.status).toBe(201);
      given.push(r.json.grantId);
      return r.json as { grantId: string; notAfter?: string };
    };
    try {
      const direct = await give({ type: 'doctor', doctorId: doctor2Id }, { notAfter });
      // Through the doctor's whole hospital too.
      const hospital = await give({ type: 'hospital', mspId: h2.mspId });

      const listed = await toMe();
      expect(listed.find((g) => g.grantId === direct.grantId)).toMatchObject({
        patientId,
        grantee: { type: 'doctor', doctorId: doctor2Id },
        scope,
        notAfter: direct.notAfter,
      });
      expect(listed.find((g) => g.grantId === hospital.grantId)).toMatchObject({
        patientId,
        grantee: { type: 'hospital', mspId: h2.mspId },
        scope,
      });
      // Hospital2's gateway holds no account of this patient: no name, only the neutral label.
      const label = await doctor2.get(`/directory/people?ids=${encodeURIComponent(patientId)}`);
      expect(label.status).toBe(200);
      expect(label.json.items).toEqual([
        expect.objectContaining({ personId: patientId, mspId: h1.mspId }),
      ]);
      expect(label.json.items[0].name).toBeUndefined();
      // A Hospital1 doctor is named by neither grant.
      const other = await doctor1b.get('/doctors/me/consents');
      expect(other.status).toBe(200);
      const otherIds = other.json.items.map((g: { grantId: string }) => g.grantId);
      expect(otherIds).not.toContain(direct.grantId);
      expect(otherIds).not.toContain(hospital.grantId);

      for (const id of given)
        expect((await patient.request('DELETE', `/consents/${id}`)).status).toBe(204);
      const ids = (await toMe()).map((g) => g.grantId);
      expect(ids).not.toContain(direct.grantId);
      expect(ids).not.toContain(hospital.grantId);
    } finally {
      // Revoked whatever happened above, so the next tests start from no grant in force.
      for (const id of given) await patient.request('DELETE', `/consents/${id}`);
    }
  });

  it('refuses "shared with me" to a patient and to an admin with FORBIDDEN_ROLE', async () => {
    const admin = await new Session(g2.url).login('admin', 'admin', g2.adminPassword);
    for (const who of [patient, admin]) {
      const r = await who.get('/doctors/me/consents');
      expect({ status: r.status, code: r.json?.code }).toEqual({
        status: 403,
        code: 'FORBIDDEN_ROLE',
      });
    }
  });

  it('refuses the grantee once the grant expired', async () => {
    const notAfter = new Date(Date.now() + 4000).toISOString();
    const grant = await patient.request('POST', '/consents', {
      json: {
        grantee: { type: 'doctor', doctorId: doctor2Id },
        scope: { type: 'records', recordIds: [recordId] },
        notAfter,
      },
    });
    expect(grant.status).toBe(201);
    await sleep(Math.max(0, Date.parse(notAfter) - Date.now()) + 1000);
    const r = await doctor2.get(`/records/${recordId}/content`);
    expect({ status: r.status, code: r.json?.code }).toEqual({
      status: 403,
      code: 'CONSENT_EXPIRED',
    });
  });
});

describe('when IPFS is down', () => {
  it('refuses the upload with 503 STORAGE_UNAVAILABLE and writes nothing on the ledger', async () => {
    const status = await waitFor('the stack status', () => testStackStatus(), 30_000);
    const peer = status.services.find((s) => s.name === `cluster-${h1.name.toLowerCase()}`)!;
    expect(peer.pid).toBeDefined();
    const records = await recordCount();
    // Frozen, not killed (the supervisor would restart it): it accepts connections, answers nothing.
    process.env.EHR_IPFS_ADD_TIMEOUT_MS = '3000';
    const g = await startTestGateway(net, h1);
    delete process.env.EHR_IPFS_ADD_TIMEOUT_MS;
    const assignedDoctor = await doctorAt(g, h1);
    const admin = await new Session(g.url).login('admin', 'admin', g.adminPassword);
    expect(
      (
        await admin.request('POST', '/admin/assignments', {
          json: { patientId, doctorId: assignedDoctor.id },
        })
      ).status,
    ).toBe(201);
    process.kill(peer.pid!, 'SIGSTOP');
    try {
      const r = await within(60_000, assignedDoctor.session.upload(patientId, pdf(1000)));
      expect({ status: r.status, code: r.json?.code }).toEqual({
        status: 503,
        code: 'STORAGE_UNAVAILABLE',
      });
    } finally {
      process.kill(peer.pid!, 'SIGCONT');
      await g.close();
    }
    expect(await recordCount()).toBe(records);
  });

  it("answers a download with 503 STORAGE_UNAVAILABLE and no file bytes when the hospital's Kubo node fails the read, and serves it once Kubo answers again", async () => {
    const file = pdf(90 * 1024);
    const up = await doctor1.upload(patientId, file);
    expect(up.status).toBe(201);
    // Hospital1's real Kubo behind a proxy that fails every read (cat) until it "comes back".
    let failReads = true;
    const proxy = await faultProxy(
      h1.ipfs.apiPort,
      (req) => failReads && (req.url ?? '').startsWith('/api/v0/cat'),
    );
    const h1ViaProxy = { ...h1, ipfs: { ...h1.ipfs, apiPort: proxy.port } };
    const g = await startTestGateway(
      { ...net, hospitals: net.hospitals.map((h) => (h.name === h1.name ? h1ViaProxy : h)) },
      h1ViaProxy,
    );
    try {
      const doc = await doctorAt(g, h1);
      const admin = await new Session(g.url).login('admin', 'admin', g.adminPassword);
      const assign = { json: { patientId, doctorId: doc.id } };
      expect((await admin.request('POST', '/admin/assignments', assign)).status).toBe(201);
      const path = `/records/${up.json.recordId}/content`;
      const failed = await within(30_000, doc.session.get(path));
      expect({ status: failed.status, code: failed.json?.code }).toEqual({
        status: 503,
        code: 'STORAGE_UNAVAILABLE',
      });
      expect(failed.headers.get('content-type')).toMatch(/^application\/json/);
      expect(failed.bytes.includes(file.subarray(0, 64))).toBe(false);
      expect(proxy.refused).toEqual([`POST /api/v0/cat?arg=${up.json.cid}`]);
      failReads = false;
      const served = await within(30_000, doc.session.get(path));
      expect(served.status).toBe(200);
      expect(served.bytes.equals(file)).toBe(true);
    } finally {
      await g.close();
      await proxy.close();
    }
  });
});

// Last in this file: it rotates Hospital1's key for the rest of the run (key ids are never
// reused), the way an operator does it on the stack's own key files.
describe('hospital key rotation', () => {
  it('keeps records wrapped under the retired key readable (download, remark, grant); a gateway without the retired key cannot open them', async () => {
    const oldFile = pdf(7000);
    const before = await doctor1.upload(patientId, oldFile, {
      remark: 'written before the rotation',
    });
    expect(before.status).toBe(201);
    const { keyFile, retiredKeysDir } = g1.gw.ctx.records!.config;
    const k0 = g1.gw.ctx.records!.hospitalKey.key.keyId;

    // The rotation: the current key file goes to the retired folder; a gateway that starts makes
    // a new key and registers it. This one is given no retired keys at all.
    mkdirSync(retiredKeysDir, { recursive: true, mode: 0o700 });
    renameSync(keyFile, join(retiredKeysDir, `${k0}.pem`));
    process.env.EHR_RECORD_RETIRED_KEYS_DIR = mkdtempSync(join(tmpdir(), 'ehr-no-retired-keys-'));
    const bare = await startTestGateway(net, h1).finally(
      () => delete process.env.EHR_RECORD_RETIRED_KEYS_DIR,
    );
    try {
      await bare.gw.ctx.records!.hospitalKey.ensure();
      const k1 = bare.gw.ctx.records!.hospitalKey.key.keyId;
      expect(k1).not.toBe(k0);

      // g1 still holds k0 in memory: it picks k1 up from the files when the ledger names it.
      const newFile = pdf(8000);
      const after = await doctor1.upload(patientId, newFile, {
        remark: 'written after the rotation',
      });
      expect(after.status).toBe(201);
      expect(g1.gw.ctx.records!.hospitalKey.keyIds()).toEqual([k1, k0]);

      for (const [id, bytes, remark] of [
        [before.json.recordId, oldFile, 'written before the rotation'],
        [after.json.recordId, newFile, 'written after the rotation'],
      ] as const) {
        const read = await patient.get(`/records/${id}/content`);
        expect(read.status).toBe(200);
        expect(read.bytes.equals(bytes)).toBe(true);
        expect((await patient.get(`/records/${id}`)).json.remark).toBe(remark);
      }

      // Sharing an old record re-wraps its key from the retired key for the grantee's hospital.
      const grant = await patient.request('POST', '/consents', {
        json: {
          grantee: { type: 'doctor', doctorId: doctor2Id },
          scope: { type: 'records', recordIds: [before.json.recordId] },
        },
      });
      expect(grant.status).toBe(201);
      const shared = await doctor2.get(`/records/${before.json.recordId}/content`);
      expect(shared.status).toBe(200);
      expect(shared.bytes.equals(oldFile)).toBe(true);

      // Without the retired key the old record does not open; the new one does.
      const doc = await doctorAt(bare, h1);
      const admin = await new Session(bare.url).login('admin', 'admin', bare.adminPassword);
      expect(
        (
          await admin.request('POST', '/admin/assignments', {
            json: { patientId, doctorId: doc.id },
          })
        ).status,
      ).toBe(201);
      const old = await doc.session.get(`/records/${before.json.recordId}/content`);
      expect({ status: old.status, code: old.json?.code }).toEqual({
        status: 409,
        code: 'KEY_NOT_AVAILABLE',
      });
      const fresh = await doc.session.get(`/records/${after.json.recordId}/content`);
      expect(fresh.status).toBe(200);
      expect(fresh.bytes.equals(newFile)).toBe(true);
    } finally {
      await bare.close();
    }
  });
});
