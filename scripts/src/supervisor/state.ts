// The supervisor's state file (data/supervisor/state.json): how `stop`, `status` and `logs` in
// another terminal find the running supervisor and its processes. Written atomically on every
// change. Every process the supervisor starts carries EHR_SUPERVISED=<data dir> in its environment,
// so leftovers can be found even when the state file is lost (e.g. the supervisor was killed).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { dataPaths, type Network } from '@ehr/network';

export type ServiceState =
  'pending' | 'starting' | 'running' | 'restarting' | 'external' | 'failed' | 'stopped';

export interface ServiceStatus {
  name: string;
  pid?: number;
  state: ServiceState;
  restarts: number;
  /** When the current process was started (ms since epoch). */
  startedAt?: number;
  /** How long the first start took until healthy (ms). */
  healthyAfterMs?: number;
  lastExit?: string;
}

export interface SupervisorState {
  pid: number;
  phase: 'starting' | 'ready' | 'stopping' | 'failed';
  dataDir: string;
  startedAt: number;
  services: ServiceStatus[];
}

export const SUPERVISED_ENV = 'EHR_SUPERVISED';

export const stateFile = (net: Network) => join(dataPaths(net).supervisor, 'state.json');

export function writeState(net: Network, state: SupervisorState): void {
  const file = stateFile(net);
  mkdirSync(dataPaths(net).supervisor, { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

export function readState(net: Network): SupervisorState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(net), 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

export function clearState(net: Network): void {
  rmSync(stateFile(net), { force: true });
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The supervisor of this data directory when one is running. */
export function runningSupervisor(net: Network): SupervisorState | undefined {
  const state = readState(net);
  return state && alive(state.pid) && state.pid !== process.pid ? state : undefined;
}

/** Pids of every process started for this data directory (by any supervisor), from /proc. */
export function supervisedPids(dataDir: string): number[] {
  if (!existsSync('/proc')) return [];
  const marker = `${SUPERVISED_ENV}=${dataDir}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (env.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
