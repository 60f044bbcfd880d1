// A real Fabric network of its own for benchmarks: own data directory, the throwaway
// certificates devnet's tests use (writeDevPki: every MSP with TLS identities, no CA needed),
// free ports away from the stack's, one Raft orderer, one peer per hospital, and the ledger
// suite's contract deployed and served by a `fabric-chaincode-node server` per hospital.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeDevPki } from '@ehr/devnet/dist/src/testing';
import { dataPaths, loadNetwork, testChaincodeServerProcess, type Network } from '@ehr/network';
import { tcpOpen } from './health';
import { fabricTestEnv } from './lifecycle';
import { FabricRuntime } from './services';
import { waitForFabricReady } from './status';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePorts(dataDir: string, from: number): Promise<Network> {
  for (let portOffset = from; ; portOffset += 500) {
    const net = loadNetwork({ dataDir, portOffset });
    const orderers = [net.ordererOrg.orderer!, ...(net.ordererOrg.extraOrderers ?? [])];
    const ports = [
      ...orderers.flatMap((o) => [o.port, o.adminPort, o.operationsPort]),
      ...net.hospitals.flatMap((h) => [
        h.peer.fabricPort,
        h.peer.fabricOperationsPort,
        h.peer.fabricChaincodePort,
        h.chaincodeServer.testPort ?? h.peer.fabricPort,
      ]),
    ];
    if (Math.max(...ports) > 65535)
      throw new Error(`no free ports for a private Fabric above offset ${from}`);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return net;
  }
}

export class PrivateFabric {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly net: Network,
    readonly runtime: FabricRuntime,
  ) {}

  /**
   * Starts everything; resolves when the test contract answers through every peer's gossip.
   * `orderers`: 1, or 3 Raft orderers (a production channel's fault-tolerant ordering service).
   */
  static async create(portShift: number, orderers: '1' | '3' = '1'): Promise<PrivateFabric> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ehr-private-fabric-'));
    const net = await freePorts(dataDir, Number(process.env.EHR_PORT_OFFSET ?? 0) + portShift);
    await writeDevPki(net);
    const pf = new PrivateFabric(
      net,
      new FabricRuntime(net, { env: { ...process.env, FABRIC_ORDERERS: orderers } }),
    );
    try {
      await pf.start();
    } catch (e) {
      await pf.destroy();
      throw e;
    }
    return pf;
  }

  /** Orderer and peer processes (for CPU and memory figures). */
  get pids(): number[] {
    return this.children
      .slice(0, this.runtime.topo.orderers.length + this.runtime.topo.peers.length)
      .map((c) => c.pid!);
  }

  private spawnLogged(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    cwd?: string,
  ) {
    const logs = dataPaths(this.net).logs;
    mkdirSync(logs, { recursive: true });
    const fd = openSync(join(logs, `${name}.log`), 'a');
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.children.push(child);
  }

  private async start(): Promise<void> {
    // Orderers first, then peers: the dependencies the supervisor would honour.
    for (const def of this.runtime.services()) {
      await def.prepare?.();
      const spec = (await def.process())!;
      this.spawnLogged(def.name, spec.command, spec.args, spec.env ?? {}, spec.cwd);
      const deadline = Date.now() + 60_000;
      while (!(await def.healthy())) {
        if (Date.now() > deadline)
          throw new Error(
            `${def.name} of the private Fabric did not start (logs in ${dataPaths(this.net).logs})`,
          );
        await sleep(200);
      }
      await def.afterStart?.();
    }
    await this.runtime.packageId();
    const id = fabricTestEnv(this.net).EHR_LEDGERTEST_CHAINCODE_ID!;
    for (const h of this.net.hospitals) {
      const server = testChaincodeServerProcess(this.net, h, id);
      this.spawnLogged(
        `ledgertest-${h.name.toLowerCase()}`,
        server.command,
        server.args,
        server.env,
      );
    }
    for (const h of this.net.hospitals) {
      const deadline = Date.now() + 30_000;
      while (!(await tcpOpen(h.chaincodeServer.testPort!))) {
        if (Date.now() > deadline)
          throw new Error(`test contract server of ${h.name} did not start`);
        await sleep(200);
      }
    }
    await waitForFabricReady(this.runtime.topo);
  }

  async destroy(): Promise<void> {
    for (const c of [...this.children].reverse())
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const deadline = Date.now() + 15_000;
    while (
      this.children.some((c) => c.exitCode === null && c.signalCode === null) &&
      Date.now() < deadline
    )
      await sleep(100);
    for (const c of this.children)
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // EHR_KEEP_DATA=1 keeps the data and logs, as for the test stack.
    if (process.env.EHR_KEEP_DATA !== '1')
      rmSync(this.net.dataDir, { recursive: true, force: true });
  }
}
