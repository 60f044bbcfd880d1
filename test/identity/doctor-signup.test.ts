// Doctor signup: the government ID must be in the imported registry; the code goes by SMS (here
// the development sink) to the phone ON FILE, never to one the applicant types. Every refusal
// has its own code and leaves no account and no CA identity behind.
import { certificateAttributes } from '@ehr/network';
import { SmsSink } from '@ehr/gateway';
import { testNetwork } from '../support';
import {
  Browser,
  accountCount,
  caIdentityCount,
  startTestGateway,
  uniqueName,
  type TestGateway,
} from './harness';

const net = testNetwork();
const h1 = net.hospitals[0]!;
let g: TestGateway;
let admin: Browser;
const PASSWORD = 'a doctor password that is long';

beforeAll(async () => {
  g = await startTestGateway(net, h1);
  admin = await new Browser(g.url).start();
  expect((await admin.login('admin', 'admin', g.adminPassword)).status).toBe(200);
});
afterAll(() => g?.close());

let phoneSeq = 100;
/** A registry line for a new doctor; returns its ID and registered phone. */
async function registerDoctor(): Promise<{ govId: string; phone: string }> {
  const govId = `MD-${uniqueName('').toUpperCase()}`;
  const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
  const r = await admin.post(
    '/admin/registry',
    `govId,name,phone,specialty\n${govId},Dr. Grace Hopper,${phone},Cardiology\n`,
    'text/csv',
  );
  expect(r.status).toBe(200);
  return { govId, phone };
}

const sink = () => g.gw.ctx.sms as SmsSink;
async function lastCodeSentTo(phone: string): Promise<string> {
  const messages = await sink().messages(phone);
  const m = /\b(\d{6})\b/.exec(messages.at(-1)?.body ?? '');
  if (!m) throw new Error(`no code sent to ${phone}`);
  return m[1]!;
}

async function requestCode(govId: string) {
  const b = await new Browser(g.url).start();
  const r = await b.post('/signup/doctor/code', { govId, ...(await b.captcha()) });
  return { b, r };
}

const account = (challengeId: string, code: string, username = uniqueName('doc')) => ({
  challengeId,
  code,
  username,
  email: `${username}@example.org`,
  password: PASSWORD,
  passwordConfirmation: PASSWORD,
});

async function nothingCreated(work: () => Promise<void>): Promise<void> {
  const [accounts, identities] = [await accountCount(g), await caIdentityCount(net, h1)];
  await work();
  expect(await accountCount(g)).toBe(accounts);
  expect(await caIdentityCount(net, h1)).toBe(identities);
}

describe('doctor signup with a code sent to the registered phone', () => {
  it('sends the code to the phone on file and creates a doctor whose certificate carries role, uid and govId', async () => {
    const { govId, phone } = await registerDoctor();
    const { b, r } = await requestCode(govId);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ phoneHint: `••${phone.slice(-2)}`, attemptsRemaining: 5 });
    expect(JSON.stringify(r.body)).not.toContain(phone);
    const code = await lastCodeSentTo(phone);
    // The message went to the registry's number only.
    expect((await sink().messages()).filter((m) => m.body.includes(code)).map((m) => m.to)).toEqual(
      [phone],
    );

    const created = await b.post('/signup/doctor', account(r.body.challengeId, code));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      role: 'doctor',
      govId,
      phone,
      fullName: 'Dr. Grace Hopper',
      specialty: 'Cardiology',
    });
    const stored = await g.gw.ctx.accounts.findById(created.body.id);
    expect(certificateAttributes(stored!.certificate)).toMatchObject({
      role: 'doctor',
      uid: created.body.id,
      govId,
    });
    expect((await b.login('doctor', created.body.username, PASSWORD)).status).toBe(200);

    // A code works once; the ID now has an account.
    const reuse = await b.post('/signup/doctor', account(r.body.challengeId, code));
    expect(reuse.status).toBe(410);
    expect(reuse.body.code).toBe('OTP_EXPIRED');
    expect((await requestCode(govId)).r.body.code).toBe('GOV_ID_REGISTERED');
  });

  it('an unknown government ID is 404 GOV_ID_UNKNOWN and no message is sent', async () => {
    const sent = (await sink().messages()).length;
    const { r } = await requestCode('MD-NOT-IN-REGISTRY');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('GOV_ID_UNKNOWN');
    expect((await sink().messages()).length).toBe(sent);
  });

  it('a wrong code is 400 OTP_INVALID with the attempts left, and creates nothing', async () => {
    const { govId, phone } = await registerDoctor();
    const { b, r } = await requestCode(govId);
    const code = await lastCodeSentTo(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    await nothingCreated(async () => {
      const res = await b.post('/signup/doctor', account(r.body.challengeId, wrong));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'OTP_INVALID', details: { attemptsRemaining: 4 } });
    });
  });

  it('after 5 wrong codes the code is dead (429 OTP_ATTEMPTS_EXCEEDED), even the right one; nothing created', async () => {
    const { govId, phone } = await registerDoctor();
    const { b, r } = await requestCode(govId);
    const code = await lastCodeSentTo(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    await nothingCreated(async () => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await b.post('/signup/doctor', account(r.body.challengeId, wrong))).body.code);
      expect(codes).toEqual([
        'OTP_INVALID',
        'OTP_INVALID',
        'OTP_INVALID',
        'OTP_INVALID',
        'OTP_ATTEMPTS_EXCEEDED',
      ]);
      const right = await b.post('/signup/doctor', account(r.body.challengeId, code));
      expect(right.status).toBe(429);
      expect(right.body.code).toBe('OTP_ATTEMPTS_EXCEEDED');
    });
  });

  it('an expired code is 410 OTP_EXPIRED and creates nothing', async () => {
    const { govId, phone } = await registerDoctor();
    const { b, r } = await requestCode(govId);
    const code = await lastCodeSentTo(phone);
    // Five minutes pass (moved in the database: tests never sleep through real validity periods).
    await g.gw.ctx.db.sequelize.query(
      "UPDATE otp_challenges SET expires_at = now() - interval '1 second' WHERE id = $1",
      {
        bind: [r.body.challengeId],
      },
    );
    await nothingCreated(async () => {
      const res = await b.post('/signup/doctor', account(r.body.challengeId, code));
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('OTP_EXPIRED');
    });
  });

  it('at most 3 codes per hour per ID: the 4th is 429 OTP_SEND_LIMIT with Retry-After', async () => {
    const { govId } = await registerDoctor();
    for (let i = 0; i < 3; i++) expect((await requestCode(govId)).r.status).toBe(202);
    const { r } = await requestCode(govId);
    expect(r.status).toBe(429);
    expect(r.body.code).toBe('OTP_SEND_LIMIT');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(3000);
  });

  it('a taken username is 409 USERNAME_TAKEN, creates nothing, and the code still works with another name', async () => {
    const { govId, phone } = await registerDoctor();
    const { b, r } = await requestCode(govId);
    const code = await lastCodeSentTo(phone);
    await nothingCreated(async () => {
      const res = await b.post('/signup/doctor', account(r.body.challengeId, code, 'admin'));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('USERNAME_TAKEN');
    });
    expect((await b.post('/signup/doctor', account(r.body.challengeId, code))).status).toBe(201);
  });
});

describe('registry import', () => {
  it('refuses a file with bad lines as a whole, naming each line', async () => {
    const before = await g.gw.ctx.db.models.GovRegistryEntry.count();
    const csv =
      'govId,name,phone,specialty\nMD-OK-1,Dr. A,+14155550111,Cardiology\nMD BAD,Dr. B,+14155550112,Cardiology\nMD-OK-2,Dr. C,12345,Oncology\n';
    const r = await admin.post('/admin/registry', csv, 'text/csv');
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('REGISTRY_CSV_INVALID');
    expect(
      r.body.details.lines.map((l: { line: number; field: string }) => [l.line, l.field]),
    ).toEqual([
      [3, 'govId'],
      [4, 'phone'],
    ]);
    expect(await g.gw.ctx.db.models.GovRegistryEntry.count()).toBe(before);
  });

  it('is for admins only', async () => {
    const b = await new Browser(g.url).start();
    const r = await b.post('/admin/registry', 'govId,name,phone,specialty\n', 'text/csv');
    expect(r.status).toBe(401);
  });
});
