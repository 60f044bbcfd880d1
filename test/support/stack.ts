// Start and stop a supervised stack for tests, and read its state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, spawnSupervisor, type CliEnv } from './cli';

export interface ServiceStatus {
  name: string;
  pid?: number;
  state: string;
  restarts: number;
  startedAt?: number;
}

export interface StackState {
  pid: number;
  phase: 'starting' | 'ready' | 'stopping' | 'failed';
  dataDir: string;
  services: ServiceStatus[];
}

/** The running supervisor's state (`status --json`), or null when none runs. */
export async function stackStatus(e: CliEnv): Promise<StackState | null> {
  const r = await runCli(e, ['status', '--json']);
  return JSON.parse(r.stdout.trim() || 'null') as StackState | null;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Starts a supervisor (all services, or the named ones with their dependencies) and waits until it
 * reports ready. Returns its pid.
 */
export async function startStack(
  e: CliEnv,
  services: string[] = [],
  timeoutMs = 300_000,
): Promise<number> {
  const logFile = join(e.dataDir, 'supervisor-console.log');
  const child = spawnSupervisor(e, logFile, services);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? String(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined)
      throw new Error(`the supervisor exited (${exited}) before ready:\n${tail(logFile)}`);
    const state = await stackStatus(e).catch(() => null);
    if (state?.phase === 'ready' && state.pid === child.pid) return child.pid;
    if (Date.now() > deadline)
      throw new Error(`the stack was not ready after ${timeoutMs / 1000}s:\n${tail(logFile)}`);
    await sleep(500);
  }
}

/** `stop`: returns its exit code (0 when nothing of ours is left running). */
export async function stopStack(e: CliEnv): Promise<number> {
  const r = await runCli(e, ['stop']);
  if (r.code !== 0) console.error(`stop failed: ${r.stdout}${r.stderr}`);
  return r.code;
}
