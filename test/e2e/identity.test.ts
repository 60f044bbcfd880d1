// The portal in real Chromium against the real gateways: each hospital's name, patient sign-up
// validated while typing, the admin's registry import with per-line errors, doctor sign-up with
// the code from the SMS sink, sign-in per role with its main page (screenshot + axe), errors in
// words keyed by their code, and a role kept out of another role's pages.
import { randomInt } from 'node:crypto';
import { ERRORS } from '@ehr/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium, screenshot } from './support/browser';
import {
  type Login,
  type Portal,
  demoLogin,
  portals,
  signIn,
  signOut,
  smsCode,
  solveCaptcha,
} from './support/portal';

jest.setTimeout(120_000);

let browser: Browser;
let context: BrowserContext;
let page: Page;
const [h1, h2] = portals() as [Portal, Portal];
const run = Date.now().toString(36);
const password = `e2e-${run}-correct horse`;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

test('each hospital’s portal shows that hospital’s name on every page', async () => {
  const names: string[] = [];
  for (const p of [h1, h2]) {
    const info = (await (await fetch(`${p.origin}/hospital`)).json()) as { displayName: string };
    await page.goto(p.url('/login'));
    await expect(page.getByTestId('hospital-name').textContent()).resolves.toContain(
      info.displayName,
    );
    await page.getByRole('link', { name: 'Create a patient account' }).click();
    await page.getByRole('heading', { name: 'Create a patient account' }).waitFor();
    expect(await page.getByTestId('hospital-name').textContent()).toContain(info.displayName);
    expect(await page.title()).toContain(info.displayName);
    names.push(info.displayName);
  }
  expect(names[0]).not.toEqual(names[1]);
  await page.goto(h1.url('/login'));
  await page.getByTestId('captcha-image').waitFor();
  await expectAccessible(page, 'public-login');
});

test('a wrong password is refused with the catalogue’s words for its code', async () => {
  await page.goto(h1.url('/login'));
  await page.getByLabel('Username').fill(`nobody-${run}`);
  await page.getByLabel('Password', { exact: true }).fill('not the password at all');
  await solveCaptcha(page, h1);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.locator('[role="alert"][data-code="INVALID_CREDENTIALS"]');
  await alert.waitFor();
  expect(await alert.textContent()).toContain(ERRORS.INVALID_CREDENTIALS.message);
});

const patient: Login = { role: 'patient', username: `pat-${run}`, password };

test('a patient signs up (checked while typing) and signs in to their records', async () => {
  await page.goto(h1.url('/signup/patient'));
  const phone = page.getByLabel('Mobile phone');
  await phone.pressSequentially('0151 234');
  // The rule shows while typing, before the field is left.
  await page.getByText('Use the international form').waitFor();
  await phone.fill('+4915112345678');
  expect(await page.getByText('Use the international form').count()).toBe(0);

  await page.getByLabel('Full name').fill('Erika Mustermann');
  await page.getByLabel('Address').fill('Hauptstraße 1, 10115 Berlin');
  await page.getByLabel('E-mail').fill(`${patient.username}@example.org`);
  await page.getByLabel('Username').fill(patient.username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').pressSequentially('something else');
  await page.getByText('The two passwords differ.').waitFor();
  await page.getByLabel('Password again').fill(password);
  await solveCaptcha(page, h1);
  await screenshot(page, 'public-patient-signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Your account ${patient.username} is ready`).waitFor();

  await signIn(page, h1, patient);
  await page.getByRole('heading', { name: 'My records' }).waitFor();
  expect(new URL(page.url()).pathname).toMatch(/\/portal\/patient\/records$/);
  // Loaded: either the records, the empty state, or a coded error in words.
  await page.locator('[data-testid="records"], ehr-empty, [role="alert"]').first().waitFor();
  await expectAccessible(page, 'patient-records');
});

test('a patient cannot open another role’s pages', async () => {
  await signIn(page, h1, patient);
  await page.goto(h1.url('/admin/accounts'));
  await page.getByRole('heading', { name: 'My records' }).waitFor();
  expect(new URL(page.url()).pathname).toMatch(/\/portal\/patient\/records$/);
});

const govId = `E2E-${run}`.toUpperCase();
const doctorPhone = `+49151${String(randomInt(10_000_000, 99_999_999))}`;

test('an admin imports the registry: bad lines are listed and nothing is imported; a good file imports', async () => {
  await signIn(page, h1, demoLogin(h1, 'admin'));
  await page.getByRole('heading', { name: 'Accounts' }).waitFor();
  await page.getByTestId('counts').waitFor();
  await page.getByTestId('accounts').waitFor();
  await expectAccessible(page, 'admin-accounts');

  await page.getByRole('link', { name: 'Doctor registry' }).click();
  await page.getByRole('heading', { name: 'Doctor registry' }).waitFor();
  const bad = `govId,name,phone,specialty\n${govId},Dr. Eva Example,${doctorPhone},cardiology\nBAD ID!,Dr. Nobody,12345,none\n`;
  await page
    .getByLabel('Registry CSV file')
    .setInputFiles({ name: 'registry.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByRole('button', { name: 'Import' }).click();
  const errors = page.getByTestId('registry-errors');
  await errors.waitFor();
  expect(await errors.textContent()).toContain('3');
  expect(
    await page.locator('[role="alert"][data-code="REGISTRY_CSV_INVALID"]').textContent(),
  ).toContain(ERRORS.REGISTRY_CSV_INVALID.message);
  await screenshot(page, 'admin-registry-errors');

  const good = `govId,name,phone,specialty\n${govId},Dr. Eva Example,${doctorPhone},cardiology\n`;
  await page
    .getByLabel('Registry CSV file')
    .setInputFiles({ name: 'registry.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByTestId('registry-result').waitFor();
  expect(await page.getByTestId('registry-result').textContent()).toContain('Imported 1 line');
  await signOut(page);
});

const doctor: Login = { role: 'doctor', username: `doc-${run}`, password };

test('a doctor signs up with the code sent to the registry’s phone, with attempts and expiry shown', async () => {
  await page.goto(h1.url('/signup/doctor'));
  await page.getByLabel('Government ID').fill(govId);
  await solveCaptcha(page, h1);
  await page.getByRole('button', { name: 'Send me a code' }).click();
  const sent = page.getByTestId('code-sent');
  await sent.waitFor();
  const text = (await sent.textContent()) ?? '';
  expect(text).toContain(`ending in ••${doctorPhone.slice(-2)}`);
  expect(text).toMatch(/expires in [0-5]:\d\d/);
  const attempts = Number(/(\d+) attempts? left/.exec(text)?.[1]);
  expect(attempts).toBeGreaterThan(1);

  const code = await smsCode(h1, doctorPhone);
  await page.getByLabel('Code from the text message').fill(code === '000000' ? '111111' : '000000');
  await page.getByLabel('E-mail').fill(`${doctor.username}@example.org`);
  await page.getByLabel('Username').fill(doctor.username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('[role="alert"][data-code="OTP_INVALID"]').waitFor();
  await page
    .getByText(`${attempts - 1} attempt${attempts - 1 === 1 ? '' : 's'} left.`)
    .first()
    .waitFor();
  await screenshot(page, 'public-doctor-signup-code');

  await page.getByLabel('Code from the text message').fill(code);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Your doctor account ${doctor.username} is ready`).waitFor();

  await signIn(page, h1, doctor);
  await page.getByRole('heading', { name: 'My patients' }).waitFor();
  expect(await page.getByTestId('my-person-id').textContent()).toMatch(
    /^Hospital1MSP\/[a-z0-9-]+$/,
  );
  await page.locator('[data-testid="patients"], ehr-empty, [role="alert"]').first().waitFor();
  await expectAccessible(page, 'doctor-patients');
});

test('an auditor signs in to the anchors page', async () => {
  await signIn(page, h1, demoLogin(h1, 'auditor'));
  await page.getByRole('heading', { name: 'Ledger anchors on Ethereum' }).waitFor();
  await page.locator('[data-testid="anchors"], ehr-empty, [role="alert"]').first().waitFor();
  await expectAccessible(page, 'auditor-anchors');
});

test('the portal works on a phone-sized screen', async () => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, h1, patient);
  await page.getByRole('heading', { name: 'My records' }).waitFor();
  // Nothing wider than the screen: no sideways scrolling of the page itself.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await page.getByRole('link', { name: 'Sharing' }).click();
  await page.getByRole('heading', { name: 'Sharing' }).waitFor();
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await screenshot(page, 'patient-phone');
});
