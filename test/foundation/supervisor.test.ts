// The supervisor restarts a service process that dies and `status` shows it; `stop` leaves no
// process of ours running. On a stack of its own (own data dir and ports, PostgreSQL and one CA),
// so the shared test stack is not disturbed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caClient, loadNetwork } from '@ehr/network';
import {
  SECOND_STACK_OFFSET,
  runCli,
  stackStatus,
  startStack,
  stopStack,
  testNetwork,
  waitFor,
} from '../support';

/** Pids whose environment carries the supervisor's marker for this data directory. */
function processesOf(dataDir: string): number[] {
  const marker = `EHR_SUPERVISED=${dataDir}`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('supervisor', () => {
  const env = {
    dataDir: mkdtempSync(join(tmpdir(), 'ehr-supervisor-test-')),
    portOffset: Number(process.env.EHR_PORT_OFFSET ?? 0) + SECOND_STACK_OFFSET,
  };
  const net = loadNetwork({ dataDir: env.dataDir, portOffset: env.portOffset });
  const ca = net.hospitals[0];
  let supervisorPid = 0;

  beforeAll(async () => {
    expect(testNetwork().postgres.port).not.toBe(net.postgres.port);
    supervisorPid = await startStack(env, ['ca-hospital1']);
  }, 300_000);

  afterAll(async () => {
    await stopStack(env);
    rmSync(env.dataDir, { recursive: true, force: true });
  });

  it('restarts a killed service and status shows the restart', async () => {
    const before = (await stackStatus(env))!;
    expect(before.services.map((s) => s.name)).toEqual(['postgres', 'ca-hospital1']);
    const victim = before.services.find((s) => s.name === 'ca-hospital1')!;
    expect(victim).toMatchObject({ state: 'running', restarts: 0 });
    process.kill(victim.pid!, 'SIGKILL');

    const after = await waitFor('ca-hospital1 to run again', async () => {
      const s = (await stackStatus(env))?.services.find((x) => x.name === 'ca-hospital1');
      return s?.state === 'running' && s.pid !== victim.pid ? s : undefined;
    });
    expect(after.restarts).toBe(1);
    expect(alive(victim.pid!)).toBe(false);
    await expect(caClient(net, ca).info()).resolves.toMatchObject({ caName: 'ca-hospital1' });

    const table = await runCli(env, ['status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/NAME\s+PID\s+STATE\s+RESTARTS\s+UPTIME/);
    expect(table.stdout).toMatch(new RegExp(`ca-hospital1\\s+${after.pid}\\s+running\\s+1\\s`));
    expect(readFileSync(join(net.dataDir, 'logs', 'supervisor.log'), 'utf8')).toMatch(
      /ca-hospital1 died \(signal SIGKILL\)/,
    );
  });

  it('stop leaves no process of ours running', async () => {
    const pids = (await stackStatus(env))!.services.map((s) => s.pid!);
    expect(processesOf(env.dataDir).length).toBeGreaterThanOrEqual(2);
    expect(await stopStack(env)).toBe(0);
    expect(processesOf(env.dataDir)).toEqual([]);
    expect([supervisorPid, ...pids].filter(alive)).toEqual([]);
    expect(await stackStatus(env)).toBeNull();
  });
});
