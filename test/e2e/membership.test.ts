// The membership pages in real Chromium on the real ledger: Hospital1's admin proposes a hospital
// through the form, sees the proposal's page and approves it (one signature: not a majority);
// Hospital2's admin finds it in the list and rejects it with a reason. Nothing reaches the
// channel (test/membership does the full join). Main pages: screenshot + axe.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadNetwork, orgPaths } from '@ehr/network';
import { expectAccessible, launchChromium } from './support/browser';
import { type Portal, demoLogin, portals, signIn, signOut } from './support/portal';

jest.setTimeout(180_000);

let browser: Browser;
let context: BrowserContext;
let page: Page;
const [h1, h2] = portals() as [Portal, Portal];
const run = Date.now().toString(36);
const memberName = (i: number): string => loadNetwork().hospitals[i]!.displayName ?? '';
const candidate = {
  displayName: `E2E Clinic ${run}`,
  mspId: `E2eClinic${run}MSP`,
  peerEndpoint: 'peer0.e2e-clinic.example:7051',
  // A CA certificate the stack has (any valid CA does: this proposal never reaches the channel).
  caRootCertPem: readFileSync(orgPaths(loadNetwork(), loadNetwork().ordererOrg).caCert, 'utf8'),
  encryptionPublicKeyPem: generateKeyPairSync('rsa', { modulusLength: 3072 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
};
let proposalUrl = '';

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

test("Hospital1's admin proposes a hospital with the form and approves it: one signature of the majority", async () => {
  await signIn(page, h1, demoLogin(h1, 'admin'));
  await page.getByRole('link', { name: 'Member hospitals' }).click();
  await page.getByRole('heading', { name: 'Member hospitals' }).waitFor();
  await page.getByRole('link', { name: 'Propose a hospital' }).click();
  await page.getByRole('heading', { name: 'Propose a hospital' }).waitFor();
  await page.getByLabel('Display name').fill(candidate.displayName);
  await page.getByLabel('MSP id').fill(candidate.mspId);
  await page.getByLabel('Peer endpoint').fill(candidate.peerEndpoint);
  await page.getByLabel('CA root certificate (PEM)').fill(candidate.caRootCertPem);
  await page.getByLabel('Encryption public key (PEM)').fill(candidate.encryptionPublicKeyPem);
  await expectAccessible(page, 'admin-member-propose');
  await page.getByRole('button', { name: 'Propose', exact: true }).click();

  await page.getByRole('heading', { name: candidate.displayName }).waitFor({ timeout: 60_000 });
  proposalUrl = page.url();
  expect(await page.getByTestId('proposal-status').textContent()).toMatch(
    /Open — 0 of 2 approvals/,
  );
  expect(await page.getByTestId('ca-fingerprint').textContent()).toMatch(
    /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
  );
  await page.getByRole('button', { name: 'Approve and sign the update' }).click();
  await page
    .getByTestId('decision-result')
    .or(page.getByRole('alert'))
    .first()
    .waitFor({ timeout: 60_000 });
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  expect(await page.getByTestId('decision-result').textContent()).toContain(
    'Your signature is recorded on the ledger',
  );
  expect(await page.getByTestId('proposal-status').textContent()).toMatch(
    /Open — 1 of 2 approvals/,
  );
  // Hospitals by their display names; the signer by name at their own hospital.
  expect(await page.getByTestId('decisions').textContent()).toContain(
    `${memberName(0)} approved: signed by Hospital administrator`,
  );
  await expectAccessible(page, 'admin-member-proposal');
  await signOut(page);
});

test("Hospital2's admin finds the proposal in the list and rejects it with a reason", async () => {
  await signIn(page, h2, demoLogin(h2, 'admin'));
  await page.getByRole('link', { name: 'Member hospitals' }).click();
  const table = page.getByTestId('proposals');
  await table.waitFor();
  await expectAccessible(page, 'admin-member-proposals');
  await table.getByRole('link', { name: candidate.displayName }).click();
  await page.getByRole('heading', { name: candidate.displayName }).waitFor();
  await page.getByLabel('Reason for rejecting (optional)').fill('Accreditation not received yet');
  await page.getByRole('button', { name: 'Reject' }).click();
  await page
    .getByTestId('decision-result')
    .or(page.getByRole('alert'))
    .first()
    .waitFor({ timeout: 60_000 });
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  expect(await page.getByTestId('decisions').textContent()).toContain(`${memberName(1)} rejected`);
  expect(await page.getByTestId('decisions').textContent()).toContain(
    'Accreditation not received yet',
  );
  // No approve button for a hospital that decided.
  expect(await page.getByRole('button', { name: 'Approve and sign the update' }).count()).toBe(0);
  expect(proposalUrl).toContain('/admin/members/mp-');
  await signOut(page);
});
