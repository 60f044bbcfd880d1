// Where the integration test stack lives: EHR_DATA_DIR, or a fresh folder under the OS temp dir;
// ports shifted by EHR_PORT_OFFSET, or by default 10000 (so tests run beside a developer's
// `npm start`) — or, when a port of that layout is taken (another test run on the same machine),
// the next offset whose ports are all free.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '@ehr/network';

export const DEFAULT_TEST_PORT_OFFSET = 10000;
/** Offsets tried after the default: not a multiple of 1000, as some base ports are 1000 apart. */
const OFFSET_STEP = 1100;
/** Suites may start a second stack at this distance (test/foundation/supervisor.test.ts). */
export const SECOND_STACK_OFFSET = 500;

/** Set by globalSetup for the workers and for globalTeardown. */
export const CREATED_DATA_DIR_ENV = 'EHR_TEST_CREATED_DATA_DIR';
export const STACK_PID_ENV = 'EHR_TEST_SUPERVISOR_PID';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** Every port of network.yaml shifted by `offset`. */
function portsAt(offset: number): number[] {
  const ports: number[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, k));
    else if (typeof v === 'number' && /port$/i.test(key)) ports.push(v);
  };
  walk(loadNetwork({ portOffset: offset }));
  return [...new Set(ports)];
}

async function allFree(offset: number): Promise<boolean> {
  for (const port of [...portsAt(offset), ...portsAt(offset + SECOND_STACK_OFFSET)]) {
    if (!(await portFree(port))) return false;
  }
  return true;
}

export async function resolveTestEnv(): Promise<{
  dataDir: string;
  portOffset: number;
  created: boolean;
}> {
  let portOffset = Number(process.env.EHR_PORT_OFFSET ?? DEFAULT_TEST_PORT_OFFSET);
  if (process.env.EHR_PORT_OFFSET === undefined) {
    for (let i = 0; i < 20 && !(await allFree(portOffset)); i++) portOffset += OFFSET_STEP;
  }
  if (process.env.EHR_DATA_DIR)
    return { dataDir: process.env.EHR_DATA_DIR, portOffset, created: false };
  return { dataDir: mkdtempSync(join(tmpdir(), 'ehr-test-')), portOffset, created: true };
}
