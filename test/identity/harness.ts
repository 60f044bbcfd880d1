// A real gateway for identity tests: built in-process from its real configuration against the
// test stack's PostgreSQL, Fabric CA and ledger (a fresh database per gateway), so tests can
// count bcrypt calls and see the proposals it signs. Requests go over real HTTP, from chosen
// loopback addresses (127.0.0.x) so "several addresses" are really several.
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { caDatabase, databaseUrl, ensureDatabase, type Hospital, type Network } from '@ehr/network';
import {
  createGateway,
  loadGatewayConfig,
  type RunningGateway,
  type SignedProposalEvent,
} from '@ehr/gateway';

export interface TestGateway {
  gw: RunningGateway;
  url: string;
  proposals: SignedProposalEvent[];
  adminPassword: string;
  close(): Promise<void>;
}

export async function startTestGateway(
  net: Network,
  h: Hospital,
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const dbName = `ehr_identity_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const url = await ensureDatabase(net, dbName);
  const config = loadGatewayConfig(
    {
      EHR_HOSPITAL: h.name,
      LEDGER: process.env.LEDGER,
      DATABASE_URL: url,
      EHR_GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ehr-identity-gw-')),
      // Warnings show what went wrong in a failed CI run (a refused ledger write, a member down).
      EHR_LOG_LEVEL: process.env.EHR_TEST_LOG_LEVEL ?? 'warn',
      // Most tests sign many people up from one address; the signup throttle has its own test.
      EHR_SIGNUP_IP_MAX_PER_HOUR: '10000',
      ...env,
    },
    net,
  );
  const proposals: SignedProposalEvent[] = [];
  const gw = await createGateway(config, { onSignedProposal: (e) => proposals.push(e) });
  const server = await gw.listen(0, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  return {
    gw,
    url: `http://127.0.0.1:${port}`,
    proposals,
    adminPassword: config.bootstrapAdmin.password,
    close: () => gw.close(),
  };
}

// Replies are JSON of whatever shape the route gives; each test asserts on the fields it reads.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Reply<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A browser-like client: one cookie jar, the CSRF token, requests from one local address. */
export class Browser {
  private cookie: string | undefined;
  csrf: string | undefined;

  constructor(
    private readonly base: string,
    readonly localAddress = '127.0.0.1',
  ) {}

  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Reply<T>> {
    const url = new URL(path, this.base);
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = contentType;
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        { method, headers, localAddress: this.localAddress, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.find((c) => c.startsWith('ehr.sid='));
            if (setCookie) this.cookie = setCookie.split(';')[0];
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, contentType?: string) {
    return this.request<T>('POST', path, body ?? {}, contentType);
  }

  /** Fetches the CSRF token (starting a session). */
  async start(): Promise<this> {
    const r = await this.get<{ csrfToken: string }>('/auth/csrf');
    if (r.status !== 200) throw new Error(`csrf: ${r.status}`);
    this.csrf = r.body.csrfToken;
    return this;
  }

  /** A new captcha, solved through the development endpoint. */
  async captcha(): Promise<{ captchaId: string; captchaAnswer: string }> {
    const c = await this.get<{ captchaId: string }>('/auth/captcha');
    const a = await this.get<{ answer: string }>(`/dev/captcha/${c.body.captchaId}`);
    return { captchaId: c.body.captchaId, captchaAnswer: a.body.answer };
  }

  async login(role: string, username: string, password: string): Promise<Reply> {
    const r = await this.post('/auth/login', {
      role,
      username,
      password,
      ...(await this.captcha()),
    });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }
}

let counter = 0;
/** Unique, valid usernames and e-mails for one test run. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

export function patientForm(username: string, password = 'correct horse battery staple') {
  return {
    fullName: 'Ada Patient',
    address: '12 Harbour Road, Springfield',
    phone: '+14155550123',
    email: `${username}@example.org`,
    username,
    password,
    passwordConfirmation: password,
  };
}

async function count(url: string, sql: string, params: unknown[] = []): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query(sql, params)).rows[0].n);
  } finally {
    await c.end();
  }
}

/** Identities the hospital's Fabric CA has registered (its registry lives in PostgreSQL). */
export const caIdentityCount = (net: Network, h: Hospital) =>
  count(databaseUrl(net, caDatabase(h)), 'SELECT count(*) AS n FROM users');

/** Accounts in a test gateway's database. */
export const accountCount = (g: TestGateway) => g.gw.ctx.db.models.User.count();
