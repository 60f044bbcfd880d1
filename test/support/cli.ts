// Runs the project's CLI (scripts/dist/src/cli.js) the way `npm start|stop|status` does, with the
// test stack's environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ehr/network';

export const CLI = join(REPO_ROOT, 'scripts', 'dist', 'src', 'cli.js');

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` (npm test does it)`);
}

export interface CliEnv {
  dataDir: string;
  portOffset: number;
}

const envFor = (e: CliEnv) => ({
  ...process.env,
  EHR_DATA_DIR: e.dataDir,
  EHR_PORT_OFFSET: String(e.portOffset),
  // The browser tests read captcha answers and SMS codes from the gateways' development
  // endpoints (the supervisor also creates the demo accounts they sign in with).
  EHR_DEV_ENDPOINTS: 'true',
});

/** Runs a CLI command to completion and returns its exit code and output. */
export function runCli(
  e: CliEnv,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...envFor(e), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts `cli start [services]` in the background; its output goes to `logFile`. */
export function spawnSupervisor(e: CliEnv, logFile: string, services: string[] = []): ChildProcess {
  assertBuilt();
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [CLI, 'start', ...services], {
    // If this test process dies without a teardown (e.g. killed), the stack stops by itself.
    env: { ...envFor(e), EHR_STOP_WITH_PID: String(process.pid) },
    stdio: ['ignore', out, out],
    detached: true, // not in jest's process group: a Ctrl-C on jest reaches it through teardown
  });
  closeSync(out); // the child has its own copy
  child.unref();
  return child;
}
