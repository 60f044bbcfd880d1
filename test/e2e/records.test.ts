// A record's life through both hospitals' portals on the real stack (ledger, IPFS Cluster, both
// gateways): a doctor uploads a PDF with a remark and sees the progress → the patient sees it
// (with the author's name and the remark, opened from the keyboard) and shares it with a
// Hospital2 doctor found by name in the consortium's directory, until tomorrow → that doctor,
// whose "Shared with me" was empty, finds the patient there (a neutral label: Hospital2 holds no
// account of them; also on a phone-sized screen), sees the remark and opens the record through
// Hospital2's portal (bytes identical) → the patient's "Who saw my records" shows that read under
// the doctor's name → the patient revokes → the doctor's "Shared with me" is empty again and
// the doctor is told access was revoked; a hospital admin opening the record's URL is
// refused, and sees the counts per hospital; the auditor runs a passing verify and sees it on the
// Anchors page with the coverage (figure and chart), and an anchor's link opens the local
// explorer's readable pages. Main pages: screenshot + axe.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ERRORS } from '@ehr/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium, screenshot } from './support/browser';
import { pick, signUpPatient } from './support/flows';
import { type Login, type Portal, demoLogin, portals, signIn } from './support/portal';

jest.setTimeout(180_000);

let browser: Browser;
const contexts: BrowserContext[] = [];
const [h1, h2] = portals() as [Portal, Portal];
const run = Date.now().toString(36);
// The demo doctors (gateway/src/demo.ts), listed in the directory by their hospitals.
const doctor1Name = `Dr. Demo ${h1.hospital.name}`;
const doctor2Name = `Dr. Demo ${h2.hospital.name}`;
const hospital1Name = h1.hospital.displayName ?? h1.hospital.name;
const hospital2Name = h2.hospital.displayName ?? h2.hospital.name;
// Longer than a list's preview: the lists show its start, the whole text on request.
const remark =
  'Blood test, all values normal. Repeat the lipid panel in six months; no change to the current medication.';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A PDF of 1.5 MiB: big enough for the upload to report progress before it completes.
const pdf = Buffer.concat([
  Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  randomBytes(1536 * 1024),
]);

let patient: Login;
let patientId = '';
let recordId = '';
// One browser context per person: both portals are on 127.0.0.1, and cookies ignore the port.
let patientPage: Page;
let doctorPage: Page; // Hospital1, assigned to the patient
let doctor2Page: Page; // Hospital2

async function newPage(): Promise<Page> {
  const c = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  contexts.push(c);
  return c.newPage();
}

const alerts = (page: Page) => page.getByRole('alert').allTextContents();
const sharedEmpty = (page: Page) =>
  page.getByRole('status').filter({ hasText: 'No patient shares records with you right now.' });
// The sharing ends with tomorrow: the date field's value, and that day as the portal writes it.
const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10);
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const [year, month, day] = tomorrow.split('-').map(Number) as [number, number, number];
const tomorrowShown = `${day} ${MONTHS[month - 1]} ${year}`;

beforeAll(async () => {
  browser = await launchChromium();
  patientPage = await newPage();
  patient = await signUpPatient(patientPage, h1, `rec-${run}`, `e2e-${run}-correct horse`);
  await signIn(patientPage, h1, patient);
  patientId = (await patientPage.evaluate(
    `fetch('/auth/session').then((r) => r.json()).then((s) => s.user.personId)`,
  )) as string;
  expect(patientId).toMatch(/^Hospital1MSP\//);

  // The admin assigns Hospital1's demo doctor (care.test.ts checks this step itself).
  const admin = await newPage();
  await signIn(admin, h1, demoLogin(h1, 'admin'));
  await admin.getByRole('link', { name: 'Assign doctors' }).click();
  await pick(admin, 'patient', patient.username);
  await pick(admin, 'doctor', demoLogin(h1, 'doctor').username);
  await admin.getByRole('button', { name: 'Assign', exact: true }).click();
  await admin.getByTestId('assign-result').waitFor();
  await admin.context().close();
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
});

test('the doctor uploads a PDF with a remark and sees its progress to the end', async () => {
  doctorPage = await newPage();
  await signIn(doctorPage, h1, demoLogin(h1, 'doctor'));
  await doctorPage.goto(h1.url(`/doctor/patients/${encodeURIComponent(patientId)}`));
  await doctorPage.getByRole('heading', { name: 'Upload a report or prescription' }).waitFor();
  // The doctor is assigned: their hospital's gateway gives them the patient's name.
  await doctorPage.getByRole('heading', { name: `Patient rec-${run}`, exact: true }).waitFor();
  await doctorPage
    .getByLabel('File to upload')
    .setInputFiles({ name: 'blood-test.pdf', mimeType: 'application/pdf', buffer: pdf });
  await doctorPage.getByLabel('Remark (optional)').fill(remark);
  await doctorPage.getByRole('button', { name: 'Upload', exact: true }).click();
  await doctorPage.getByTestId('upload-progress').waitFor();
  await doctorPage.getByTestId('upload-done').or(doctorPage.getByRole('alert')).first().waitFor();
  expect(await alerts(doctorPage)).toEqual([]);
  expect(await doctorPage.getByTestId('upload-done').textContent()).toMatch(
    /Stored on 2 file stores/,
  );
  expect(await doctorPage.getByTestId('upload-progress').textContent()).toContain('(100 %)');
  // The new record is listed for the doctor.
  await doctorPage.getByTestId('records').locator('tr[data-record-id]').first().waitFor();
  await expectAccessible(doctorPage, 'doctor-upload-done');
});

test('the patient sees the record in "My records"', async () => {
  await patientPage.goto(h1.url('/patient/records'));
  const row = patientPage.getByTestId('records').locator('tr[data-record-id]');
  await row.first().waitFor();
  expect(await row.count()).toBe(1);
  recordId = (await row.first().getAttribute('data-record-id')) ?? '';
  expect(recordId).not.toBe('');
  expect(await row.first().textContent()).toContain('report');
  // The author by name (the ledger's directory), not by ledger id.
  await row.first().getByText(doctor1Name, { exact: true }).waitFor();
  // The remark's start, and the whole of it from the keyboard (a disclosure button).
  const shown = row.first().getByTestId('remark');
  const preview = ((await shown.textContent()) ?? '').trim();
  expect(preview.endsWith('…')).toBe(true);
  expect(remark.startsWith(preview.slice(0, -1))).toBe(true);
  expect(await shown.getAttribute('title')).toBe(remark);
  const more = row.first().getByRole('button', { name: 'Show all of the remark' });
  expect(await more.getAttribute('aria-expanded')).toBe('false');
  await more.focus();
  await patientPage.keyboard.press('Enter');
  await row.first().getByRole('button', { name: 'Show less of the remark' }).waitFor();
  expect(((await shown.textContent()) ?? '').trim()).toBe(remark);
  await expectAccessible(patientPage, 'patient-records-with-author');
});

test('the patient shares it with a Hospital2 doctor until tomorrow; that doctor opens it through Hospital2’s portal', async () => {
  doctor2Page = await newPage();
  await signIn(doctor2Page, h2, demoLogin(h2, 'doctor'));
  const doctor2Id = ((await doctor2Page.getByTestId('my-person-id').textContent()) ?? '').trim();
  expect(doctor2Id).toMatch(/^Hospital2MSP\//);
  // Nobody shares anything with this doctor yet: the page says what that means.
  await doctor2Page.getByRole('link', { name: 'Shared with me' }).first().click();
  await doctor2Page.getByRole('heading', { name: 'Shared with me' }).waitFor();
  await sharedEmpty(doctor2Page).waitFor();
  expect(await doctor2Page.getByTestId('shared-patients').count()).toBe(0);
  await expectAccessible(doctor2Page, 'doctor2-shared-empty');

  // Before the grant, Hospital2's doctor is refused.
  await doctor2Page.goto(h2.url(`/records/${recordId}`));
  await doctor2Page.getByRole('alert').first().waitFor();
  expect(await doctor2Page.getByRole('button', { name: 'Open / download' }).count()).toBe(0);

  await patientPage.goto(h1.url('/patient/sharing'));
  await patientPage.getByRole('heading', { name: 'Share' }).waitFor();
  await patientPage.getByRole('radio', { name: 'A doctor' }).check();
  // Found by name in the consortium's directory, with the hospital beside it.
  await patientPage.getByLabel('Find a doctor').fill('demo hospital2');
  const option = patientPage.getByRole('option', { name: new RegExp(escape(doctor2Name)) });
  await option.waitFor();
  expect(await option.textContent()).toContain(hospital2Name);
  await screenshot(patientPage, 'patient-sharing-directory');
  await option.click();
  await patientPage.getByRole('radio', { name: 'Only the ones I choose' }).check();
  await patientPage
    .getByRole('list', { name: 'Records to share' })
    .getByRole('checkbox')
    .first()
    .check();
  await patientPage.getByLabel('Until (optional)').fill(tomorrow);
  await patientPage.getByRole('button', { name: 'Share', exact: true }).click();
  await patientPage
    .getByText('Shared. The ledger recorded your consent.')
    .or(patientPage.getByRole('alert'))
    .first()
    .waitFor();
  expect(await alerts(patientPage)).toEqual([]);
  await patientPage.getByTestId('grants').getByText('active').waitFor();
  await patientPage.getByTestId('grants').getByText(`${doctor2Name} (${hospital2Name})`).waitFor();
  await patientPage
    .getByTestId('consent-matrix')
    .getByRole('columnheader', { name: `${doctor2Name} (${hospital2Name})` })
    .waitFor();
  await expectAccessible(patientPage, 'patient-sharing');

  // The doctor finds the patient under "Shared with me" (no ledger id typed), by the label
  // Hospital2's gateway may give: not the patient's name, which only Hospital1 holds.
  await doctor2Page.goto(h2.url('/doctor/shared'));
  const entry = doctor2Page.locator(`[data-patient-id="${patientId}"]`);
  await entry.waitFor();
  const label = `Patient ${patientId.slice(patientId.indexOf('/') + 1).slice(0, 8)} (${hospital1Name})`;
  const patientLink = entry.getByRole('link', { name: label, exact: true });
  await patientLink.waitFor();
  expect(await entry.textContent()).not.toContain(`rec-${run}`);
  const grantText = (await entry.getByTestId('shared-grant').textContent())!.replace(/\s+/g, ' ');
  expect(grantText).toMatch(/^ ?1 record until \d{1,2} \w{3} \d{4}, \d\d:\d\d with you ?$/);
  expect(grantText).toContain(`until ${tomorrowShown}, 23:59`);
  await expectAccessible(doctor2Page, 'doctor2-shared');
  // On a phone: one column, nothing cut off sideways.
  await doctor2Page.setViewportSize({ width: 390, height: 844 });
  await patientLink.waitFor();
  expect(await doctor2Page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    390,
  );
  await expectAccessible(doctor2Page, 'doctor2-shared-phone');
  await doctor2Page.setViewportSize({ width: 1280, height: 900 });

  await patientLink.click();
  await doctor2Page.getByRole('heading', { name: 'Records you may see' }).waitFor();
  await doctor2Page.getByRole('heading', { name: label, exact: true }).waitFor();
  // The way back leads to the list the doctor came from.
  await doctor2Page.locator('main').getByRole('link', { name: 'Shared with me' }).waitFor();
  const sharedRow = doctor2Page.locator(`tr[data-record-id="${recordId}"]`);
  await sharedRow.waitFor();
  // Hospital2's gateway opened the remark with the key the grant wrapped for it.
  expect(await sharedRow.getByTestId('remark').getAttribute('title')).toBe(remark);
  await expectAccessible(doctor2Page, 'doctor2-shared-patient');
  await sharedRow.getByRole('link', { name: 'Details' }).click();
  await doctor2Page.getByRole('button', { name: 'Open / download' }).waitFor();
  expect(((await doctor2Page.getByTestId('remark').textContent()) ?? '').trim()).toBe(remark);
  // Hospital2's portal names the Hospital1 author from the directory too.
  await doctor2Page.getByText(doctor1Name, { exact: true }).waitFor();
  const [download] = await Promise.all([
    doctor2Page.waitForEvent('download'),
    doctor2Page.getByRole('button', { name: 'Open / download' }).click(),
  ]);
  const path = await download.path();
  expect(readFileSync(path).equals(pdf)).toBe(true);
  expect(await alerts(doctor2Page)).toEqual([]);
});

test('the patient’s timeline shows the Hospital2 doctor’s read', async () => {
  await patientPage.goto(h1.url('/patient/access'));
  const timeline = patientPage.getByTestId('access-timeline');
  await timeline.waitFor();
  const read = timeline
    .locator('li[data-basis]')
    .filter({ hasText: recordId.slice(0, 8) })
    .filter({
      hasText: new RegExp(
        `^\\s*\\d\\d:\\d\\d\\s*${escape(doctor2Name)} at ${escape(hospital2Name)} opened`,
      ),
    });
  await read.first().waitFor();
  expect(await read.first().getAttribute('data-basis')).not.toBe('break-glass');
  await expectAccessible(patientPage, 'patient-access');
});

test('after the patient revokes, the Hospital2 doctor is told access was revoked', async () => {
  await patientPage.goto(h1.url('/patient/sharing'));
  await patientPage
    .getByRole('button', { name: /^Revoke access of / })
    .first()
    .click();
  await patientPage
    .getByTestId('grants')
    .getByText(/revoked/)
    .waitFor();
  expect(await alerts(patientPage)).toEqual([]);

  // The patient is gone from the doctor's "Shared with me".
  await doctor2Page.goto(h2.url('/doctor/shared'));
  await sharedEmpty(doctor2Page).waitFor();
  expect(await doctor2Page.locator(`[data-patient-id="${patientId}"]`).count()).toBe(0);

  await doctor2Page.goto(h2.url(`/records/${recordId}`));
  const refused = doctor2Page
    .getByRole('alert')
    .filter({ hasText: ERRORS.CONSENT_REVOKED.message });
  const open = doctor2Page.getByRole('button', { name: 'Open / download' });
  await refused.or(open).first().waitFor();
  if (await open.isVisible()) await open.click(); // metadata may still be readable; the file is not
  await refused.first().waitFor();
  await screenshot(doctor2Page, 'doctor2-access-revoked');
});

test('a hospital admin who opens the record’s URL is refused', async () => {
  const admin = await newPage();
  await signIn(admin, h1, demoLogin(h1, 'admin'));
  await admin.goto(h1.url(`/records/${recordId}`));
  await admin
    .getByRole('alert')
    .filter({ hasText: ERRORS.FORBIDDEN_ROLE.message })
    .first()
    .waitFor();
  expect(await admin.getByRole('button', { name: 'Open / download' }).count()).toBe(0);

  // What an admin does see: counts per member hospital, numbers only.
  await admin.getByRole('link', { name: 'Counts per hospital' }).click();
  const counts = admin.getByTestId('hospital-counts');
  await counts.waitFor();
  const h1Row = counts.getByRole('row', {
    name: new RegExp(escape(h1.hospital.displayName ?? '')),
  });
  const cells = await h1Row.getByRole('cell').allTextContents();
  // doctors listed, patients with records, records written, grants in force, reads, emergencies
  expect(cells.map(Number).every((n) => Number.isInteger(n))).toBe(true);
  expect(Number(cells[2])).toBeGreaterThanOrEqual(1);
  expect(await counts.getByRole('row').count()).toBeGreaterThanOrEqual(3); // header + 2 hospitals
  await expectAccessible(admin, 'admin-counts');
});

test('the auditor runs a passing verify, then sees it with the coverage, and opens an explorer link', async () => {
  const auditor = await newPage();
  const who = demoLogin(h1, 'auditor');
  await signIn(auditor, h1, who);
  await auditor.goto(h1.url('/auditor/verify'));
  await auditor.getByRole('button', { name: 'Run verify' }).click();
  const report = auditor.getByTestId('verify-report').or(auditor.getByRole('alert'));
  await report.first().waitFor();
  expect(await alerts(auditor)).toEqual([]);
  expect(await auditor.getByTestId('verify-report').textContent()).toContain(
    'Passed: the ledger matches its anchors',
  );
  await expectAccessible(auditor, 'auditor-verify');

  // The Anchors page: the last verification (kept by the gateway), the coverage and the anchors.
  await auditor.getByRole('link', { name: 'See the coverage and the anchors' }).click();
  const anchors = auditor.getByTestId('anchors');
  await anchors.locator('tbody tr').first().waitFor();
  expect(await alerts(auditor)).toEqual([]);
  const last = auditor.getByTestId('last-verification');
  expect(await last.getAttribute('data-ok')).toBe('true');
  expect(await last.textContent()).toContain('Passed: the ledger matched its anchors');
  expect(await last.textContent()).toContain(`(${who.username}).`);
  expect(await last.getByTestId('checked-at').textContent()).toMatch(
    /^\d{1,2} \w{3} \d{4}, \d\d:\d\d$/,
  );
  expect(await auditor.getByTestId('coverage-figure').textContent()).toMatch(
    /\b\d+ blocks? not yet anchored\s+of \d+ in the ledger/,
  );
  const chart = auditor.locator('ehr-coverage-chart canvas');
  expect(await chart.getAttribute('aria-label')).toMatch(
    /^\d+ of \d+ blocks anchored \(\d+ %\) by \d+ anchors?; \d+ not yet anchored\.$/,
  );
  // Bars of both series are drawn: anchored (green) and waiting for an anchor (red).
  expect(await chartColours(auditor)).toEqual({ anchored: true, notAnchored: true });
  await expectAccessible(auditor, 'auditor-anchors-after-records');

  // An anchor's link opens the local explorer's page of its transaction, in a new tab.
  const row = anchors.locator('tbody tr').first();
  const block = (await row.locator('td').first().textContent())!.trim();
  const [tab] = await Promise.all([
    auditor.context().waitForEvent('page'),
    row.getByRole('link').click(),
  ]);
  await tab.getByRole('heading', { name: 'Ethereum transaction' }).waitFor();
  const tx = tab.getByTestId('ethereum-tx');
  await tx.waitFor();
  expect(await tx.textContent()).toContain('Success: mined and applied');
  const recorded = tab.getByTestId('tx-anchors').locator('tbody tr');
  expect((await recorded.first().locator('td').nth(1).textContent())?.trim()).toBe(block);
  expect(await alerts(tab)).toEqual([]);
  await expectAccessible(tab, 'auditor-explorer-tx');

  // From there, the Ethereum block and the anchorer's address.
  await tx.getByRole('link').first().click();
  await tab.getByRole('heading', { name: /^Ethereum block \d+$/ }).waitFor();
  await tab.getByTestId('ethereum-block').waitFor();
  await expectAccessible(tab, 'auditor-explorer-block');
  await tab.goBack();
  await tab.getByTestId('tx-anchors').locator('tbody tr a').first().click();
  await tab.getByRole('heading', { name: 'Ethereum address' }).waitFor();
  // The member by its display name on the ledger (the portal's `hospital` pipe, which fills it
  // in once the member list arrives).
  const members = [h1, h2].map((p) => escape(p.hospital.displayName ?? p.hospital.name));
  await tab
    .getByTestId('ethereum-address')
    .filter({
      hasText: new RegExp(`The anchorer of (${members.join('|')}): the only key that may anchor`),
    })
    .waitFor();
  await expectAccessible(tab, 'auditor-explorer-address');
});

/** Whether the coverage chart drew pixels of each series' colour (see coverage-chart.component). */
async function chartColours(page: Page): Promise<{ anchored: boolean; notAnchored: boolean }> {
  return (await page.evaluate(`(() => {
    const c = document.querySelector('ehr-coverage-chart canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const has = (r, g, b) => {
      for (let i = 0; i < d.length; i += 4) if (d[i] === r && d[i + 1] === g && d[i + 2] === b) return true;
      return false;
    };
    return { anchored: has(0x1b, 0x5e, 0x20), notAnchored: has(0xb3, 0x26, 0x1e) };
  })()`)) as { anchored: boolean; notAnchored: boolean };
}
