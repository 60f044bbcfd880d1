// What integration tests use: the network of the running test stack, its CLI, and identities
// enrolled from the real CAs.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  caClient,
  loadIdentity,
  loadNetwork,
  orgPaths,
  registrar,
  type CaIdentity,
  type Enrollment,
  type Network,
  type Organization,
} from '@ehr/network';
import { runCli } from './cli';
import { stackStatus } from './stack';

export { runCli, spawnSupervisor, CLI } from './cli';
export { startStack, stopStack, stackStatus, type StackState, type ServiceStatus } from './stack';
export { resolveTestEnv, DEFAULT_TEST_PORT_OFFSET, SECOND_STACK_OFFSET } from './env';

/** The network of the test stack (same data dir and port offset as globalSetup's). */
export function testNetwork(): Network {
  if (!process.env.EHR_DATA_DIR)
    throw new Error('no test stack: run integration suites through jest (globalSetup)');
  return loadNetwork();
}

/** CLI environment of the test stack. */
export function testCliEnv(net: Network = testNetwork()) {
  return { dataDir: net.dataDir, portOffset: Number(process.env.EHR_PORT_OFFSET ?? 0) };
}

/** The test stack's supervisor state. */
export const testStackStatus = () => stackStatus(testCliEnv());
export const testCli = (args: string[], extraEnv?: Record<string, string>) =>
  runCli(testCliEnv(), args, extraEnv);

export interface TestUser {
  role: string;
  uid?: string;
  govId?: string;
}

export interface EnrolledUser extends Enrollment {
  enrollmentId: string;
}

/**
 * Registers and enrols a person at an organisation's CA with attributes role, uid (and govId),
 * the way the gateway does: hospitals through their gateway service identity, the orderer
 * organisation through its registrar.
 */
export async function enrollTestUser(
  net: Network,
  org: Organization,
  user: TestUser,
): Promise<EnrolledUser> {
  const client = caClient(net, org);
  const gateway = orgPaths(net, org).gatewayService;
  const registrarIdentity: CaIdentity = gateway ? loadIdentity(gateway) : await registrar(net, org);
  const enrollmentId = `${user.role}-${randomUUID()}`;
  const attrs = {
    role: user.role,
    uid: user.uid ?? enrollmentId,
    ...(user.govId ? { govId: user.govId } : {}),
  };
  const secret = await client.register(registrarIdentity, {
    enrollmentId,
    type: 'client',
    attributes: Object.entries(attrs).map(([name, value]) => ({ name, value, ecert: true })),
  });
  const enrollment = await client.enroll({ enrollmentId, secret, attributes: Object.keys(attrs) });
  return { ...enrollment, enrollmentId };
}

/** Polls `check` until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}
