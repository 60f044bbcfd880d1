// Login abuse: 1,000 wrong-password attempts against one account from several addresses are
// throttled with 429 + Retry-After; no throttled attempt reaches bcrypt (the gateway's hasher
// counts its verifications); the owner logs in once the back-off has passed.
import { setTimeout as sleep } from 'node:timers/promises';
import { testNetwork } from '../support';
import {
  Browser,
  patientForm,
  startTestGateway,
  uniqueName,
  type Reply,
  type TestGateway,
} from './harness';

const net = testNetwork();
const h1 = net.hospitals[0]!;
let g: TestGateway;
const MAX_FAILURES = 5;

beforeAll(async () => {
  g = await startTestGateway(net, h1, {
    EHR_LOGIN_MAX_FAILURES: String(MAX_FAILURES),
    // Short back-offs so the test can wait for one; production defaults to 30 s … 1 h.
    EHR_LOGIN_BACKOFF_BASE_SECONDS: '2',
    EHR_LOGIN_BACKOFF_MAX_SECONDS: '20',
    EHR_LOGIN_IP_MAX_FAILURES: '40',
    EHR_LOGIN_IP_WINDOW_SECONDS: '600',
    EHR_SIGNUP_IP_MAX_PER_HOUR: '3',
  });
});
afterAll(() => g?.close());

const ATTACKERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

describe('login throttling', () => {
  it('throttles 1,000 wrong passwords from several addresses without reaching bcrypt, and lets the owner in after the back-off', async () => {
    const username = uniqueName('victim');
    const password = 'the owner’s real password';
    const owner = await new Browser(g.url, '127.0.0.9').start();
    expect(
      (
        await owner.post('/signup/patient', {
          ...patientForm(username, password),
          ...(await owner.captcha()),
        })
      ).status,
    ).toBe(201);

    const bcryptBefore = g.gw.ctx.hasher.verifications;
    const attackers = await Promise.all(ATTACKERS.map((ip) => new Browser(g.url, ip).start()));
    const replies: Reply[] = [];
    // 250 rounds, the four addresses at once in each: 1,000 attempts.
    for (let round = 0; round < 250; round++) {
      replies.push(
        ...(await Promise.all(
          attackers.map((a) => a.login('patient', username, `guess-${round}-${a.localAddress}`)),
        )),
      );
    }
    const bcryptCalls = g.gw.ctx.hasher.verifications - bcryptBefore;

    const wrong = replies.filter((r) => r.status === 401);
    const throttled = replies.filter((r) => r.status === 429);
    process.stdout.write(
      `login throttle: 1000 attempts from ${ATTACKERS.length} addresses → ${wrong.length} × 401 (checked by bcrypt), ` +
        `${throttled.length} × 429; bcrypt verifications: ${bcryptCalls}\n`,
    );
    expect(replies).toHaveLength(1000);
    expect(wrong.length + throttled.length).toBe(1000);
    expect(wrong.every((r) => r.body.code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(
      throttled.every(
        (r) => r.body.code === 'RATE_LIMITED' && Number(r.headers['retry-after']) >= 1,
      ),
    ).toBe(true);
    // Only attempts within the account's budget were checked (5 per lockout, lockouts doubling
    // 2 s, 4 s, 8 s … while the attack lasts); none of the 429s reached bcrypt.
    expect(bcryptCalls).toBe(wrong.length);
    expect(wrong.length).toBeGreaterThanOrEqual(MAX_FAILURES);
    expect(wrong.length).toBeLessThanOrEqual(MAX_FAILURES * 6);
    expect(throttled.length).toBeGreaterThanOrEqual(1000 - MAX_FAILURES * 6);

    // The owner gets in once the back-off has passed (waiting what each refusal announces).
    let ok: Reply | undefined;
    let waited = 0;
    let refusedOwner = 0;
    for (let wait = Number(throttled.at(-1)!.headers['retry-after']); waited < 3; waited++) {
      await sleep(wait * 1000 + 300);
      const verifiedBefore = g.gw.ctx.hasher.verifications;
      ok = await owner.login('patient', username, password);
      if (ok.status !== 429) break;
      refusedOwner++;
      expect(g.gw.ctx.hasher.verifications).toBe(verifiedBefore);
      wait = Number(ok.headers['retry-after']);
    }
    expect(ok!.status).toBe(200);
    expect(ok!.body.user.username).toBe(username);

    const audit = await g.gw.ctx.db.models.LoginAudit.count({
      where: { username, outcome: 'throttled' },
    });
    expect(audit).toBe(throttled.length + refusedOwner);
  }, 300_000);

  it('throttles one address trying many accounts (429 for that address only)', async () => {
    const attacker = await new Browser(g.url, '127.0.0.20').start();
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++)
      statuses.push(
        (await attacker.login('patient', uniqueName('nobody'), 'whatever password')).status,
      );
    expect(statuses.slice(0, 40).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(40).every((s) => s === 429)).toBe(true);
    // Another address is not affected.
    const other = await new Browser(g.url, '127.0.0.21').start();
    expect((await other.login('patient', uniqueName('nobody'), 'whatever password')).status).toBe(
      401,
    );
  });

  it('a wrong captcha never reaches bcrypt and does not lock the account', async () => {
    const username = uniqueName('capt');
    const b = await new Browser(g.url, '127.0.0.30').start();
    await b.post('/signup/patient', { ...patientForm(username), ...(await b.captcha()) });
    const before = g.gw.ctx.hasher.verifications;
    for (let i = 0; i < MAX_FAILURES + 2; i++) {
      const c = await b.captcha();
      const r = await b.post('/auth/login', {
        role: 'patient',
        username,
        password: 'wrong',
        captchaId: c.captchaId,
        captchaAnswer: 'wrong!',
      });
      expect(r.body.code).toBe('CAPTCHA_INVALID');
    }
    expect(g.gw.ctx.hasher.verifications).toBe(before);
    expect((await b.login('patient', username, 'correct horse battery staple')).status).toBe(200);
  });

  it('limits signups per address, before any captcha, CA or password work', async () => {
    const b = await new Browser(g.url, '127.0.0.40').start();
    const before = [await g.gw.ctx.db.models.User.count(), g.gw.ctx.hasher.verifications];
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await b.post('/signup/patient', {
        ...patientForm(uniqueName('many')),
        captchaId: '00000000-0000-4000-8000-000000000000',
        captchaAnswer: 'x',
      });
      codes.push(r.body.code);
      if (i === 3) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(codes).toEqual([
      'CAPTCHA_INVALID',
      'CAPTCHA_INVALID',
      'CAPTCHA_INVALID',
      'RATE_LIMITED',
    ]);
    expect([await g.gw.ctx.db.models.User.count(), g.gw.ctx.hasher.verifications]).toEqual(before);
  });
});
