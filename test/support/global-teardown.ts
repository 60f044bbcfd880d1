// jest globalTeardown: stops the stack started by globalSetup and removes a data directory it
// created (kept when EHR_KEEP_DATA=1, to look at logs). The stack's logs are first copied to
// EHR_TEST_LOGS_DIR when the test runner set it: it shows them when a test failed.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CREATED_DATA_DIR_ENV, STACK_PID_ENV } from './env';
import { stopStack } from './stack';

export default async function globalTeardown(): Promise<void> {
  if (!process.env[STACK_PID_ENV]) return; // already stopped by another project's teardown
  delete process.env[STACK_PID_ENV];
  const dataDir = process.env.EHR_DATA_DIR!;
  const code = await stopStack({ dataDir, portOffset: Number(process.env.EHR_PORT_OFFSET) });
  const logsCopy = process.env.EHR_TEST_LOGS_DIR;
  if (logsCopy && existsSync(join(dataDir, 'logs')))
    cpSync(join(dataDir, 'logs'), logsCopy, { recursive: true });
  const created = process.env[CREATED_DATA_DIR_ENV];
  if (created && code === 0 && process.env.EHR_KEEP_DATA !== '1')
    rmSync(created, { recursive: true, force: true });
}
