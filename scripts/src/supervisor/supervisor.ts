// Runs the services of the local system: in dependency order, each prepared, started, checked
// healthy by its own real check and then given its afterStart work; restarts a process that dies
// (exponential back-off); stops everything, dependents first, on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataPaths, type Network, type ServiceDefinition } from '@ehr/network';
import { dependencyOrder } from './order';
import {
  SUPERVISED_ENV,
  alive,
  clearState,
  supervisedPids,
  writeState,
  type ServiceStatus,
  type SupervisorState,
} from './state';

const HEALTH_POLL_MS = 250;
const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 60_000;
/** A process that ran this long before dying restarts without waiting. */
const STABLE_AFTER_MS = 60_000;

interface Managed {
  def: ServiceDefinition;
  status: ServiceStatus;
  child?: ChildProcess;
  backoffMs: number;
  /** Set once the first start (up to afterStart) succeeded: from then on a death means restart. */
  firstStartDone?: boolean;
  /** Resolves when the child exits (set while a child runs). */
  exited?: Promise<void>;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const fmtMs = (ms: number) =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;

export class Supervisor {
  private readonly managed: Managed[];
  private readonly state: SupervisorState;
  private stopping = false;
  /** A first start failed: services still starting give up at their next step. */
  private aborting = false;
  private readonly logDir: string;

  constructor(
    private readonly net: Network,
    defs: ServiceDefinition[],
  ) {
    this.managed = dependencyOrder(defs).map((def) => ({
      def,
      status: { name: def.name, state: 'pending', restarts: 0 },
      backoffMs: BACKOFF_START_MS,
    }));
    this.logDir = dataPaths(net).logs;
    this.state = {
      pid: process.pid,
      phase: 'starting',
      dataDir: net.dataDir,
      startedAt: Date.now(),
      services: this.managed.map((m) => m.status),
    };
  }

  /** Appends a line to the supervisor's own log. */
  private log(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    appendFileSync(join(this.logDir, 'supervisor.log'), `${stamped}\n`);
    // Once the progress display is done, deaths and restarts are news for whoever watches.
    if (this.state.phase === 'ready') console.log(stamped);
  }

  private save(): void {
    writeState(this.net, this.state);
  }

  /** Starts everything; resolves when all are healthy, rejects (after stopping all) otherwise. */
  async start(): Promise<void> {
    // Logs name people's enrolment ids and the like: owner only.
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    await this.killLeftovers();
    this.save();
    this.log(
      `supervisor ${process.pid} starting ${this.managed.map((m) => m.def.name).join(', ')}`,
    );
    const ready = new Map(this.managed.map((m) => [m.def.name, deferred()]));
    for (const r of ready.values()) r.promise.catch(() => {}); // awaited by dependents only
    // listr2 is an ES module: loaded when needed, so this file can be required from CommonJS.
    const { Listr } = await import('listr2');
    let failure: Error | undefined;
    const tasks = new Listr(
      this.managed.map((m) => ({
        title: m.def.name,
        task: async (_: unknown, task: { title: string; output: string }) => {
          try {
            if (m.def.dependsOn.length) {
              task.output = `waiting for ${m.def.dependsOn.join(', ')}`;
              await Promise.all(
                m.def.dependsOn.map((d) =>
                  ready.get(d)!.promise.catch(() => {
                    throw new Error(`not started: ${d} failed`);
                  }),
                ),
              );
            }
            const began = Date.now();
            await this.firstStart(m, (text) => (task.output = text));
            task.title = `${m.def.name} (${m.status.state === 'external' ? 'external, ' : ''}healthy in ${fmtMs(m.status.healthyAfterMs!)}, ready in ${fmtMs(Date.now() - began)})`;
            ready.get(m.def.name)!.resolve();
          } catch (e) {
            // The first failure aborts the others at their next step; dependents fail at once.
            failure ??= e as Error;
            this.aborting = true;
            ready.get(m.def.name)!.reject(e);
            throw e;
          }
        },
      })),
      {
        concurrent: true,
        exitOnError: false, // let every task settle, so nothing starts after we stop
        rendererOptions: { collapseErrors: false },
        fallbackRendererCondition: !process.stdout.isTTY,
      },
    );
    await tasks.run().catch((e: Error) => (failure ??= e));
    if (failure) {
      this.state.phase = 'failed';
      this.save();
      this.log(`start failed: ${failure.message}`);
      await this.stopAll();
      throw failure;
    }
    this.log('ready');
    this.state.phase = 'ready';
    this.save();
  }

  /** prepare → process → healthy → afterStart, for the first start of this supervisor. */
  private async firstStart(m: Managed, say: (text: string) => void): Promise<void> {
    this.checkAbort();
    const began = Date.now();
    if (m.def.prepare) {
      say('preparing');
      await m.def.prepare();
    }
    this.checkAbort();
    say('starting');
    const external = !(await this.spawn(m));
    say('waiting for its health check');
    await this.waitHealthy(m, m.def.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    m.status.healthyAfterMs = Date.now() - began;
    m.status.state = external ? 'external' : 'running';
    this.save();
    if (m.def.afterStart) {
      this.checkAbort();
      say('after-start work');
      await m.def.afterStart();
    }
    m.firstStartDone = true;
    this.log(`${m.def.name} ready (healthy after ${fmtMs(m.status.healthyAfterMs)})`);
  }

  /** Throws once a first start failed elsewhere or a stop began: no new work after that. */
  private checkAbort(): void {
    if (this.aborting || this.stopping)
      throw new Error('cancelled: another service failed or we are stopping');
  }

  /** Starts the service's process; false when the service is external (nothing to run). */
  private async spawn(m: Managed): Promise<boolean> {
    if (this.stopping) throw new Error('stopping');
    const spec = await m.def.process();
    if (!spec) return false;
    const logFile = join(this.logDir, `${m.def.name}.log`);
    const fd = openSync(logFile, 'a');
    try {
      appendFileSync(
        fd,
        `\n=== ${new Date().toISOString()} starting: ${spec.command} ${spec.args.join(' ')}\n`,
      );
      // Its own process group: stopping it stops whatever it started too.
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env, [SUPERVISED_ENV]: this.net.dataDir },
        uid: spec.uid,
        gid: spec.gid,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      m.child = child;
      m.status.pid = child.pid;
      m.status.startedAt = Date.now();
      m.status.state = 'starting';
      m.exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          m.status.lastExit = signal ? `signal ${signal}` : `exit ${code}`;
          resolve();
          this.onExit(m, child);
        });
        child.once('error', (e) => {
          m.status.lastExit = e.message;
          resolve();
          this.onExit(m, child);
        });
      });
      this.save();
      return true;
    } finally {
      closeSync(fd);
    }
  }

  private async waitHealthy(m: Managed, timeoutMs: number): Promise<void> {
    const child = m.child;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child && (child.exitCode !== null || child.signalCode !== null || m.child !== child)) {
        throw new Error(
          `${m.def.name} exited (${m.status.lastExit}) before it was healthy:\n${this.logTail(m.def.name)}`,
        );
      }
      if (this.stopping || (this.aborting && !m.firstStartDone)) throw new Error('cancelled');
      if (await m.def.healthy()) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${m.def.name} not healthy after ${fmtMs(timeoutMs)}:\n${this.logTail(m.def.name)}`,
        );
      }
      await sleep(HEALTH_POLL_MS);
    }
  }

  private logTail(name: string, lines = 15): string {
    try {
      const text = readFileSync(join(this.logDir, `${name}.log`), 'utf8')
        .trimEnd()
        .split('\n');
      return text
        .slice(-lines)
        .map((l) => `    ${l}`)
        .join('\n');
    } catch {
      return '    (no log)';
    }
  }

  /** A process died: restart it after the back-off, unless we are stopping. */
  private onExit(m: Managed, child: ChildProcess): void {
    if (m.child !== child) return; // already handled ('error' and 'exit' may both come)
    m.child = undefined;
    // What the dead process left in its group (e.g. PostgreSQL's backends) would hold its ports
    // and shared memory: clear it before anything starts again.
    if (child.pid) this.signalGroup(child.pid, 'SIGKILL', true);
    m.status.pid = undefined;
    if (this.stopping) return;
    if (!m.firstStartDone) {
      // The first start's health wait reports it and the start fails.
      m.status.state = 'failed';
      this.save();
      return;
    }
    const ranMs = Date.now() - (m.status.startedAt ?? Date.now());
    if (ranMs > STABLE_AFTER_MS) m.backoffMs = BACKOFF_START_MS;
    m.status.restarts += 1;
    this.log(
      `${m.def.name} died (${m.status.lastExit}) after ${fmtMs(ranMs)}; restart #${m.status.restarts} in ${fmtMs(m.backoffMs)}`,
    );
    this.scheduleRestart(m);
  }

  private scheduleRestart(m: Managed): void {
    const delay = m.backoffMs;
    m.backoffMs = Math.min(m.backoffMs * 2, BACKOFF_MAX_MS);
    m.status.state = 'restarting';
    this.save();
    void sleep(delay).then(() => this.restart(m));
  }

  private async restart(m: Managed): Promise<void> {
    if (this.stopping) return;
    let spawned = false;
    try {
      spawned = await this.spawn(m);
      await this.waitHealthy(m, m.def.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      m.status.state = spawned ? 'running' : 'external';
      this.save();
      this.log(`${m.def.name} restarted (pid ${m.status.pid})`);
    } catch (e) {
      this.log(`${m.def.name} restart failed: ${(e as Error).message.split('\n')[0]}`);
      if (!spawned) {
        this.scheduleRestart(m); // process() failed or nothing to run: try again later
      } else if (m.child?.pid) {
        this.signalGroup(m.child.pid, 'SIGKILL'); // never healthy: its exit schedules the next try
      } // else it exited, and onExit has scheduled the next try
    }
  }

  private signalGroup(pid: number, signal: NodeJS.Signals, groupOnly = false): void {
    try {
      process.kill(-pid, signal);
    } catch {
      if (groupOnly) return;
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  private stopped?: Promise<void>;

  /** Stops every process, dependents before their dependencies (once, however often called). */
  stopAll(): Promise<void> {
    this.stopped ??= this.stopEverything();
    return this.stopped;
  }

  private async stopEverything(): Promise<void> {
    this.stopping = true;
    this.state.phase = 'stopping';
    this.save();
    for (const m of [...this.managed].reverse()) {
      const child = m.child;
      if (!child?.pid) {
        m.status.state = m.status.state === 'external' ? 'external' : 'stopped';
        continue;
      }
      this.signalGroup(child.pid, 'SIGTERM');
      const timedOut = await Promise.race([
        m.exited!.then(() => false),
        sleep(STOP_GRACE_MS).then(() => true),
      ]);
      if (timedOut) {
        this.log(`${m.def.name} ignored SIGTERM for ${fmtMs(STOP_GRACE_MS)}: SIGKILL`);
        this.signalGroup(child.pid, 'SIGKILL');
        await m.exited;
      }
      m.status.state = 'stopped';
      m.status.pid = undefined;
      this.save();
    }
    // Whatever a service left behind in another process group (none expected).
    await killSupervised(this.net.dataDir);
    this.log('stopped');
    clearState(this.net);
  }

  /** Processes of a previous supervisor of this data directory that was killed. */
  private async killLeftovers(): Promise<void> {
    const left = supervisedPids(this.net.dataDir);
    if (left.length === 0) return;
    this.log(`stopping ${left.length} leftover process(es) of an earlier run: ${left.join(', ')}`);
    console.error(
      `stopping ${left.length} leftover process(es) of an earlier run: ${left.join(', ')}`,
    );
    await killSupervised(this.net.dataDir);
  }

  summary(): string[] {
    return this.managed.flatMap((m) => m.def.summary?.() ?? []);
  }

  get statuses(): readonly ServiceStatus[] {
    return this.state.services;
  }
}

/** SIGTERM, then SIGKILL after the grace period, to every process marked for this data dir. */
export async function killSupervised(dataDir: string): Promise<number> {
  const pids = supervisedPids(dataDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids.length;
}
