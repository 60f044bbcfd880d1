// `npm test [project...]`: runs jest over every project (unit and integration) with the summary
// as the last lines of the output. Extra arguments select jest projects (e.g. `ledger`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@ehr/network';
import { ensureChromium } from './chromium';
import { ensureWebBuild } from './web-build';

/** The browser tests (jest project `e2e`) need Chromium and a current portal build; other runs skip both. */
async function prepareBrowserTests(projects: string[]): Promise<Record<string, string>> {
  const config = require(join(REPO_ROOT, 'jest.config.js')) as { projects: { displayName?: string }[] };
  const registered = config.projects.some((p) => p.displayName === 'e2e');
  if (!(projects.length ? projects.includes('e2e') : registered)) return {};
  await ensureWebBuild();
  return { CHROMIUM_PATH: await ensureChromium() };
}

export async function runTests(args: string[]): Promise<number> {
  const projects = args.filter((a) => !a.startsWith('-'));
  const flags = args.filter((a) => a.startsWith('-'));
  const jest = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  // @hyperledger/fabric-gateway depends on ESM-only packages (@noble/curves): jest loads them
  // through require(esm), which needs the VM modules API (Node 24.9+ with this flag).
  const nodeFlags = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];
  const env = { ...process.env, ...(await prepareBrowserTests(projects)) };
  const jestArgs = [...nodeFlags, jest, ...(projects.length ? ['--selectProjects', ...projects] : []), ...flags];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, jestArgs, { cwd: REPO_ROOT, stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
