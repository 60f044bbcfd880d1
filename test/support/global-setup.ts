// jest globalSetup of every integration suite: starts the whole local system through the
// supervisor (a child process, as `npm start` would) in a test data directory, once per jest run
// even when several integration projects ask for it.
import { mkdirSync } from 'node:fs';
import { CREATED_DATA_DIR_ENV, STACK_PID_ENV, resolveTestEnv } from './env';
import { startStack } from './stack';

export default async function globalSetup(): Promise<void> {
  if (process.env[STACK_PID_ENV]) return; // another integration project started it already
  const { dataDir, portOffset, created } = await resolveTestEnv();
  mkdirSync(dataDir, { recursive: true });
  // Workers inherit these: tests load the same network (ports, data dir) as the stack.
  process.env.EHR_DATA_DIR = dataDir;
  process.env.EHR_PORT_OFFSET = String(portOffset);
  if (created) process.env[CREATED_DATA_DIR_ENV] = dataDir;
  const began = Date.now();
  const pid = await startStack({ dataDir, portOffset });
  process.env[STACK_PID_ENV] = String(pid);
  process.stderr.write(
    `\ntest stack ready in ${((Date.now() - began) / 1000).toFixed(1)}s (data ${dataDir}, port offset ${portOffset})\n`,
  );
}
