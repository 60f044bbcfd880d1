// `npm start|stop|status|logs`: the supervisor in the foreground, and its remote control from
// another terminal through the state file and signals.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataPaths, loadNetwork } from '@ehr/network';
import { services } from './services';
import { alive, runningSupervisor, supervisedPids, type ServiceStatus } from './state';
import { selectServices } from './order';
import { Supervisor, fmtMs, killSupervised } from './supervisor';

/** `start [service...]`: everything, or the named services with their dependencies. */
export async function startCommand(args: string[]): Promise<number> {
  const net = loadNetwork();
  const running = runningSupervisor(net);
  if (running) {
    console.error(
      `already running (supervisor pid ${running.pid}, data in ${net.dataDir}): \`npm run stop\` first`,
    );
    return 1;
  }
  const began = Date.now();
  const supervisor = new Supervisor(
    net,
    selectServices(
      services(net),
      args.filter((a) => !a.startsWith('-')),
    ),
  );
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    console.log(`\n${signal}: stopping every service…`);
    stopping = supervisor.stopAll().then(() => {
      console.log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A test run starts us detached: if it dies without stopping us, stop by ourselves.
  const owner = Number(process.env.EHR_STOP_WITH_PID);
  if (owner) setInterval(() => !alive(owner) && stop(`owner ${owner} exited`), 1000).unref();
  try {
    await supervisor.start();
  } catch (e) {
    if (stopping) await stopping;
    else console.error(`\nstart failed: ${(e as Error).message}`);
    // Everything was stopped; leave at once (listr2 and timers may still hold the event loop).
    process.exit(stopping ? 0 : 1);
  }
  console.log(
    `\nready in ${fmtMs(Date.now() - began)}. Data: ${net.dataDir}  Logs: ${dataPaths(net).logs}`,
  );
  for (const line of supervisor.summary()) console.log(`  ${line}`);
  console.log(
    'Ctrl-C (or `npm run stop`) stops everything; `npm run status`, `npm run logs [name]`.',
  );
  // Keep running: the supervisor restarts what dies until a signal stops it.
  await new Promise(() => {});
  return 0;
}

export async function stopCommand(): Promise<number> {
  const net = loadNetwork();
  const state = runningSupervisor(net);
  if (state) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (alive(state.pid) && Date.now() < deadline) await sleep(200);
    if (alive(state.pid)) {
      console.error(`supervisor ${state.pid} did not stop within 60s: killing it`);
      process.kill(state.pid, 'SIGKILL');
    }
  }
  // Anything still marked as ours (e.g. the supervisor had been killed) goes too.
  const leftovers = await killSupervised(net.dataDir);
  const remaining = supervisedPids(net.dataDir);
  if (remaining.length) {
    console.error(`still running: ${remaining.join(', ')}`);
    return 1;
  }
  console.log(
    state || leftovers
      ? `stopped${leftovers ? ` (${leftovers} leftover process(es))` : ''}`
      : 'not running',
  );
  return 0;
}

function uptime(s: ServiceStatus): string {
  if (!s.startedAt || (s.state !== 'running' && s.state !== 'starting')) return '-';
  const sec = Math.floor((Date.now() - s.startedAt) / 1000);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return h
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m
      ? `${m}m${String(sec % 60).padStart(2, '0')}s`
      : `${sec}s`;
}

export async function statusCommand(args: string[]): Promise<number> {
  const net = loadNetwork();
  const state = runningSupervisor(net);
  if (args.includes('--json')) {
    console.log(JSON.stringify(state ?? null));
    return state ? 0 : 3;
  }
  if (!state) {
    console.log(`not running (data dir ${net.dataDir})`);
    return 3;
  }
  console.log(`supervisor pid ${state.pid}, ${state.phase}, data ${state.dataDir}`);
  const rows = [
    ['NAME', 'PID', 'STATE', 'RESTARTS', 'UPTIME'],
    ...state.services.map((s) => [
      s.name,
      s.pid ? String(s.pid) : '-',
      s.state,
      String(s.restarts),
      uptime(s),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

export async function logsCommand(args: string[]): Promise<number> {
  const net = loadNetwork();
  const dir = dataPaths(net).logs;
  const follow = args.includes('-f') || args.includes('--follow');
  const names = args.filter((a) => !a.startsWith('-'));
  const available = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')) : [];
  const files = names.length ? names.map((n) => `${n}.log`) : available;
  const missing = files.filter((f) => !available.includes(f));
  if (missing.length || files.length === 0) {
    const known = available.map((f) => f.replace(/\.log$/, '')).join(', ') || 'none yet';
    console.error(`no log ${missing.join(', ')} in ${dir}; known: ${known}`);
    return 1;
  }
  // tail prints a "==> file <==" header per file when given several.
  const tailArgs = [
    '-n',
    names.length ? '200' : '20',
    ...(follow ? ['-F'] : []),
    ...files.map((f) => join(dir, f)),
  ];
  return new Promise((resolve) => {
    const child = spawn('tail', tailArgs, { stdio: 'inherit' });
    process.on('SIGINT', () => child.kill('SIGINT'));
    child.on('exit', (code) => resolve(code ?? 0));
  });
}
