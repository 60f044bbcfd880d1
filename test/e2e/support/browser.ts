// Real Chromium (Debian's package; the test runner installs it and sets CHROMIUM_PATH) driven by
// playwright-core; axe-core for accessibility; screenshots for a person to check.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ehr/network';
import { type Browser, type Page, chromium } from 'playwright-core';

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'e2e');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A full-page screenshot under test-output/e2e/<name>.png (checked by a person before release). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A/AA violations of impact serious or critical on the current page. */
export async function seriousA11yViolations(page: Page): Promise<Violation[]> {
  // Evaluated through the DevTools protocol, not as a <script>: the portal's CSP (rightly) refuses
  // inline scripts it has no hash for, and the check must not need a weaker policy.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  // A string, not a function: the test workspace compiles without the DOM's types.
  return (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as Violation[];
}

/** Saves the page's screenshot under its name, then expects no serious or critical axe violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousA11yViolations(page)).toEqual([]);
}
