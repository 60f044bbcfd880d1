// Care relations through the portal on the real ledger: an admin assigns a doctor to a new
// patient (a transaction signed by the admin), the doctor finds the patient by name with the
// upload and break-glass panels, the patient sees the doctor by name under "Now". Main pages:
// screenshot + axe.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium } from './support/browser';
import { pick, signUpPatient } from './support/flows';
import { type Login, type Portal, demoLogin, portals, signIn, signOut } from './support/portal';

jest.setTimeout(120_000);

let browser: Browser;
let context: BrowserContext;
let page: Page;
const [h1] = portals() as [Portal];
const run = Date.now().toString(36);
let patient: Login;
let patientId = '';

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  patient = await signUpPatient(page, h1, `care-${run}`, `e2e-${run}-correct horse`);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

test('an admin assigns a doctor to the patient; the ledger transaction is shown', async () => {
  await signIn(page, h1, demoLogin(h1, 'admin'));
  await page.getByRole('link', { name: 'Assign doctors' }).click();
  await page.getByRole('heading', { name: 'Assign doctors' }).waitFor();
  await pick(page, 'patient', patient.username);
  await pick(page, 'doctor', demoLogin(h1, 'doctor').username);
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  const result = page.getByTestId('assign-result');
  await result.or(page.getByRole('alert')).first().waitFor();
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  expect(await result.textContent()).toMatch(
    /now assigned to[\s\S]*Ledger transaction [0-9a-f]{16}/,
  );
  // By name: the admin's own hospital holds both accounts.
  await result
    .getByText(`Dr. Demo ${h1.hospital.name} is now assigned to Patient ${patient.username}.`, {
      exact: false,
    })
    .waitFor();
  await expectAccessible(page, 'admin-assign');
  await signOut(page);
});

test('the doctor finds the patient, with the upload and break-glass panels', async () => {
  await signIn(page, h1, demoLogin(h1, 'doctor'));
  const list = page.getByTestId('patients');
  await list.waitFor();
  // The patient's ledger id, from the patient's own session (GET /auth/session is the gateway's).
  const links = list.getByRole('link');
  expect(await links.count()).toBeGreaterThan(0);
  await signOut(page);

  await signIn(page, h1, patient);
  patientId = (await page.evaluate(
    `fetch('/auth/session').then((r) => r.json()).then((s) => s.user.personId)`,
  )) as string;
  await page.getByRole('link', { name: 'My doctors' }).click();
  await page.getByRole('heading', { name: 'Now' }).waitFor();
  // The demo doctor (gateway/src/demo.ts) by the name the hospital listed in the directory.
  const now = page
    .locator('.cards li')
    .filter({ hasText: `Dr. Demo ${h1.hospital.name}` })
    .filter({ hasText: `General medicine · ${h1.hospital.displayName ?? h1.hospital.name}` });
  await now.first().waitFor();
  await expectAccessible(page, 'patient-doctors');
  await signOut(page);

  await signIn(page, h1, demoLogin(h1, 'doctor'));
  // The assigned doctor sees the patient's name (their own hospital's gateway holds it).
  const named = page
    .getByTestId('patients')
    .getByRole('link', { name: `Patient ${patient.username}`, exact: true });
  await named.waitFor();
  await expectAccessible(page, 'doctor-patients-named');
  await named.click();
  await page.getByRole('heading', { name: 'Records you may see' }).waitFor();
  expect(decodeURIComponent(page.url())).toContain(patientId);
  await page.getByRole('heading', { name: `Patient ${patient.username}`, exact: true }).waitFor();
  await page.getByTestId('drop-zone').waitFor();
  await page.getByRole('button', { name: 'Declare emergency access' }).waitFor();
  await page.locator('[data-testid="records"], ehr-empty, [role="alert"]').first().waitFor();
  await expectAccessible(page, 'doctor-patient');
});
