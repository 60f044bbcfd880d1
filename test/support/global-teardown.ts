// jest globalTeardown: stops the stack started by globalSetup and removes a data directory it
// created (kept when EHR_KEEP_DATA=1, to look at logs).
import { rmSync } from 'node:fs';
import { CREATED_DATA_DIR_ENV, STACK_PID_ENV } from './env';
import { stopStack } from './stack';

export default async function globalTeardown(): Promise<void> {
  if (!process.env[STACK_PID_ENV]) return; // already stopped by another project's teardown
  delete process.env[STACK_PID_ENV];
  const dataDir = process.env.EHR_DATA_DIR!;
  const code = await stopStack({ dataDir, portOffset: Number(process.env.EHR_PORT_OFFSET) });
  const created = process.env[CREATED_DATA_DIR_ENV];
  if (created && code === 0 && process.env.EHR_KEEP_DATA !== '1')
    rmSync(created, { recursive: true, force: true });
}
