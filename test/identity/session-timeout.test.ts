// Automatic logoff: a session ends after the configured inactivity (1 minute here; default 15),
// and the signing key unlocked for it is gone with it.
import { setTimeout as sleep } from 'node:timers/promises';
import { testNetwork } from '../support';
import { Browser, patientForm, startTestGateway, uniqueName, type TestGateway } from './harness';

const net = testNetwork();
let g: TestGateway;

beforeAll(async () => {
  g = await startTestGateway(net, net.hospitals[0]!, { EHR_SESSION_IDLE_MINUTES: '1' });
});
afterAll(() => g?.close());

describe('automatic logoff', () => {
  it('ends a session after a minute without requests and drops its signing key', async () => {
    const username = uniqueName('idle');
    const b = await new Browser(g.url).start();
    expect(
      (await b.post('/signup/patient', { ...patientForm(username), ...(await b.captcha()) }))
        .status,
    ).toBe(201);
    const login = await b.login('patient', username, 'correct horse battery staple');
    expect(login.status).toBe(200);
    expect(login.body.idleTimeoutSeconds).toBe(60);
    const keys = g.gw.ctx.keys.size;

    await sleep(65_000);
    const r = await b.get('/auth/session');
    expect(r.status).toBe(401);
    expect(['SESSION_EXPIRED', 'UNAUTHENTICATED']).toContain(r.body.code);
    g.gw.ctx.keys.sweep(); // the minute sweep may already have run; either way the key is gone
    expect(g.gw.ctx.keys.size).toBe(keys - 1);
  }, 120_000);
});
