// Automatic logoff (HIPAA 164.312(a)(2)(iii)): the portal warns before the gateway's idle
// timeout, "Stay signed in" renews the session on the gateway, and with no answer the portal
// signs out. The browser's clock is driven by Playwright (the gateway and its answers are real).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot, seriousA11yViolations } from './support/browser';
import { type Portal, demoLogin, portals, signIn } from './support/portal';

jest.setTimeout(120_000);

let browser: Browser;
let context: BrowserContext;
let page: Page;
const [h1] = portals() as [Portal];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.clock.install();
});
afterEach(async () => {
  await context.close();
});

/**
 * The auditor's page has all its answers: the idle time counts from the last one the gateway
 * sent, and what the page shows asks for more (e.g. the member hospitals' names) after it drew.
 */
async function pageLoaded(): Promise<void> {
  await page.getByRole('heading', { name: 'Ledger anchors on Ethereum' }).waitFor();
  await page.locator('[data-testid="anchors"], ehr-empty, [role="alert"]').first().waitFor();
  await page.waitForLoadState('networkidle');
}

async function idleTimeoutMs(): Promise<number> {
  const info = (await (await fetch(`${h1.origin}/hospital`)).json()) as {
    idleTimeoutSeconds: number;
  };
  return info.idleTimeoutSeconds * 1000;
}

test('a warning comes before the idle timeout and "Stay signed in" renews the session on the gateway', async () => {
  const idle = await idleTimeoutMs();
  await signIn(page, h1, demoLogin(h1, 'auditor'));
  await pageLoaded();

  await page.clock.runFor(idle - 30_000);
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  expect(await dialog.textContent()).toMatch(/signed out in \d+ seconds/);
  await screenshot(page, 'idle-warning');
  expect(await seriousA11yViolations(page)).toEqual([]);

  const renewed = page.waitForResponse(
    (r) => r.url().endsWith('/auth/session') && r.status() === 200,
  );
  await dialog.getByRole('button', { name: 'Stay signed in' }).click();
  await renewed;
  await dialog.waitFor({ state: 'detached' });
  // Still signed in after the original deadline.
  await page.clock.runFor(60_000);
  expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
});

test('without an answer the portal signs out at the timeout and the gateway session is gone', async () => {
  const idle = await idleTimeoutMs();
  await signIn(page, h1, demoLogin(h1, 'auditor'));
  await pageLoaded();
  // A stale CSRF token is answered 403 CSRF_INVALID and the portal retries once with a fresh
  // one (csrfInterceptor): the logout that counts is the one that succeeds.
  const loggedOut = page.waitForResponse(
    (r) => r.url().endsWith('/auth/logout') && r.status() !== 403,
  );
  await page.clock.runFor(idle + 2_000);
  expect((await loggedOut).status()).toBe(204);
  await page.getByText('You were signed out because nothing happened for a while').waitFor();
  // The session cookie no longer opens a session on the gateway.
  const status = await page.evaluate(`fetch('/auth/session').then((r) => r.status)`);
  expect(status).toBe(401);
});
