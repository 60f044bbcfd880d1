// The portals under test: each hospital's gateway serves the production build at /portal/ on
// the API's own origin. EHR_E2E_PORTAL_URLS ("Hospital1=https://…/portal/,Hospital2=…") points
// the tests at portals served elsewhere (a hospital's reverse proxy in front of its gateway).
// Everything the tests read besides the page (captcha answers, SMS codes) comes from the same
// gateway's development endpoints: nothing is faked.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Hospital, dataPaths, loadNetwork } from '@ehr/network';
import type { Page } from 'playwright-core';

export interface Portal {
  hospital: Hospital;
  /** Origin of the portal and its API, e.g. http://127.0.0.1:18081 */
  origin: string;
  /** Absolute URL of a portal route, e.g. url('/login'). */
  url(route: string): string;
}

function overrides(): Map<string, string> {
  const m = new Map<string, string>();
  for (const pair of (process.env.EHR_E2E_PORTAL_URLS ?? '').split(',').filter(Boolean)) {
    const [name, url] = pair.split('=');
    if (name && url) m.set(name.trim(), url.trim());
  }
  return m;
}

export function portals(): Portal[] {
  const net = loadNetwork();
  const own = overrides();
  return net.hospitals.map((hospital) => {
    const base = new URL(
      own.get(hospital.name) ?? `http://127.0.0.1:${hospital.gateway.port}/portal/`,
    );
    return {
      hospital,
      origin: base.origin,
      url: (route: string) => new URL(route.replace(/^\//, ''), base).toString(),
    };
  });
}

export interface Login {
  role: 'patient' | 'doctor' | 'admin' | 'auditor';
  username: string;
  password: string;
}

/** The logins the gateway created at first start (bootstrap admin, demo accounts). */
export function demoLogin(p: Portal, role: Login['role']): Login {
  const file = join(dataPaths(loadNetwork()).gateway(p.hospital), 'demo-logins.json');
  if (!existsSync(file))
    throw new Error(
      `${file} is missing: the gateway must run with EHR_DEMO_DATA=true for the browser tests`,
    );
  const l = (JSON.parse(readFileSync(file, 'utf8')) as Login[]).find((x) => x.role === role);
  if (!l) throw new Error(`no ${role} in ${file}`);
  return l;
}

async function getJson<T>(p: Portal, path: string): Promise<T> {
  const res = await fetch(`${p.origin}${path}`);
  if (!res.ok)
    throw new Error(
      `GET ${path}: ${res.status} (does the gateway run with EHR_DEV_ENDPOINTS=true?)`,
    );
  return (await res.json()) as T;
}

/** Types the answer of the captcha shown on the page (read from the gateway's dev endpoint). */
export async function solveCaptcha(page: Page, p: Portal): Promise<void> {
  const img = page.getByTestId('captcha-image');
  await img.and(page.locator('[data-captcha-id]')).waitFor();
  const id = await img.getAttribute('data-captcha-id');
  const { answer } = await getJson<{ answer: string }>(p, `/dev/captcha/${id}`);
  await page.getByLabel('Characters in the picture').fill(answer);
}

/** The newest code the SMS sink received for this phone. */
export async function smsCode(p: Portal, phone: string): Promise<string> {
  const { items } = await getJson<{ items: { body: string }[] }>(
    p,
    `/dev/sms?to=${encodeURIComponent(phone)}`,
  );
  const code = /\b(\d{6})\b/.exec(items.at(-1)?.body ?? '')?.[1];
  if (!code) throw new Error(`no code was sent to ${phone}`);
  return code;
}

const ROLE_LABEL: Record<Login['role'], string> = {
  patient: 'Patient',
  doctor: 'Doctor',
  admin: 'Hospital admin',
  auditor: 'Auditor',
};

export async function signIn(page: Page, p: Portal, login: Login): Promise<void> {
  await page.goto(p.url('/login'));
  // Someone still signed in in this browser context is sent to their home page: sign out first.
  const form = page.getByRole('heading', { name: 'Sign in' });
  const out = page.getByRole('button', { name: 'Sign out' });
  await form.or(out).first().waitFor();
  if (await out.isVisible()) await signOut(page);
  await page.getByRole('radio', { name: ROLE_LABEL[login.role] }).check();
  await page.getByLabel('Username').fill(login.username);
  await page.getByLabel('Password', { exact: true }).fill(login.password);
  await solveCaptcha(page, p);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}
