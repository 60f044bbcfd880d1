// Where the integration test stack lives: EHR_DATA_DIR, or a fresh folder under the OS temp dir;
// ports shifted by EHR_PORT_OFFSET (default 10000, so tests run beside a developer's `npm start`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_TEST_PORT_OFFSET = 10000;

/** Set by globalSetup for the workers and for globalTeardown. */
export const CREATED_DATA_DIR_ENV = 'EHR_TEST_CREATED_DATA_DIR';
export const STACK_PID_ENV = 'EHR_TEST_SUPERVISOR_PID';

export function resolveTestEnv(): { dataDir: string; portOffset: number; created: boolean } {
  const portOffset = Number(process.env.EHR_PORT_OFFSET ?? DEFAULT_TEST_PORT_OFFSET);
  if (process.env.EHR_DATA_DIR)
    return { dataDir: process.env.EHR_DATA_DIR, portOffset, created: false };
  return { dataDir: mkdtempSync(join(tmpdir(), 'ehr-test-')), portOffset, created: true };
}
