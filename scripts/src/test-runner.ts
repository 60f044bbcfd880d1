// `npm test [project...]`: runs jest over every project (unit and integration) with the summary
// as the last lines of the output. Extra arguments select jest projects (e.g. `ledger`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, loadNetwork } from '@ehr/network';
import { createRequire } from 'node:module';
import { ensureChromium } from './chromium';
import { ensureWebBuild } from './web-build';

/** Runs a Node tool of the repository (tsc, eslint) to the end; fails naming `what` otherwise. */
async function runTool(script: string[], args: string[], what: string): Promise<void> {
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', ...script), ...args], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    child.on('error', () => resolve(1));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(what);
}

/** jest only transpiles the portal's unit tests: tsc checks their types first. */
const typeCheckWebTests = () =>
  runTool(
    ['typescript', 'bin', 'tsc'],
    ['-p', join(REPO_ROOT, 'web', 'tsconfig.spec.json')],
    "the portal's unit tests do not type-check (tsc -p web/tsconfig.spec.json)",
  );

/** A full run lints the repository first (about 15 s): what lands is lint-clean and formatted. */
async function lint(): Promise<void> {
  await runTool(['eslint', 'bin', 'eslint.js'], ['.'], 'eslint found problems (npm run lint)');
  await runTool(
    ['prettier', 'bin', 'prettier.cjs'],
    ['--check', '.', '--log-level', 'warn'],
    'prettier: these files are not formatted (npm run format)',
  );
}

/**
 * The portal must build against today's gateway/openapi.yaml: a full run (or the e2e or web
 * project) rebuilds it when stale, so API drift fails `npm test`; the build also generates the
 * typed client the portal's unit tests (jest project `web`) import. The browser tests (jest
 * project `e2e`) also need Chromium; other runs skip it.
 */
async function preparePortal(projects: string[]): Promise<Record<string, string>> {
  const config = createRequire(__filename)(join(REPO_ROOT, 'jest.config.js')) as {
    projects: { displayName?: string }[];
  };
  const selected = (name: string) =>
    projects.length ? projects.includes(name) : config.projects.some((p) => p.displayName === name);
  const e2e = selected('e2e');
  if (projects.length === 0 || e2e || selected('web')) await ensureWebBuild();
  if (selected('web')) await typeCheckWebTests();
  return e2e ? { CHROMIUM_PATH: await ensureChromium() } : {};
}

/** LEDGER=fabric: the suites run on real Fabric (network/fabric), which needs its binaries. */
async function fabricTestEnv(): Promise<Record<string, string>> {
  if (process.env.LEDGER !== 'fabric') return {};
  const fabric = await import('@ehr/fabric');
  const net = loadNetwork();
  await fabric.fabricRuntime(net).binaries(); // fails at once, naming FABRIC_BIN and the download
  return fabric.fabricTestEnv(net);
}

export async function runTests(args: string[]): Promise<number> {
  const projects = args.filter((a) => !a.startsWith('-'));
  const flags = args.filter((a) => a.startsWith('-'));
  const jest = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  // @hyperledger/fabric-gateway depends on ESM-only packages (@noble/curves): jest loads them
  // through require(esm), which needs the VM modules API (Node 24 with this flag).
  const nodeFlags = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];
  if (projects.length === 0) await lint();
  // One directory for the run: jest's results as JSON (for one plain closing line, "N passed,
  // N failed, N skipped") and the test stack's logs, copied there by jest's global teardown and
  // kept only when a test failed.
  const runDir = mkdtempSync(join(tmpdir(), 'ehr-test-run-'));
  const resultsFile = join(runDir, 'results.json');
  const logsDir = join(runDir, 'logs');
  const env = {
    ...process.env,
    ...(await preparePortal(projects)),
    ...(await fabricTestEnv()),
    EHR_TEST_LOGS_DIR: logsDir,
  };
  const jestArgs = [
    ...nodeFlags,
    jest,
    ...(projects.length ? ['--selectProjects', ...projects] : []),
    '--json',
    `--outputFile=${resultsFile}`,
    ...flags,
  ];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, jestArgs, { cwd: REPO_ROOT, stdio: 'inherit', env });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const keepLogs = code !== 0 && existsSync(logsDir);
  if (keepLogs) console.log(`\nthe test stack's logs of this run: ${logsDir}`);
  try {
    const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    console.log(
      `\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
    );
  } catch {
    // jest failed before writing results: its own output says why
  } finally {
    rmSync(keepLogs ? resultsFile : runDir, { recursive: true, force: true });
  }
  return code;
}
