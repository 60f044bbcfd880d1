// A devnet process of its own for the crash test and the ledger benchmark: own data directory,
// throwaway certificates (dev-pki.ts), ports shifted away from the stack's, optionally the
// ledger suite's contract served by a real `fabric-chaincode-node server` per hospital. It can
// be killed (SIGKILL) and restarted on the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadNetwork, testChaincodeServerProcess, type Network } from '@ehr/network';
import { writeDevPki } from './dev-pki';

/** Offset at which a private network's ports start when EHR_PORT_OFFSET + shift would pass 65535. */
const WRAPPED_OFFSET = 55_500;
/** The highest port (before any offset) a private devnet or Fabric network binds (network.yaml). */
const HIGHEST_BASE_PORT = 9_500;

/**
 * The port offset a private network starts looking from: EHR_PORT_OFFSET + shift, or, when that
 * would put its ports past 65535 (a stack at offset 50000), 55500 and then 56000 — ports
 * 62550–65471, above Linux's ephemeral range (32768–60999) and none of them a port of a stack
 * at offset 55000.
 */
export function privatePortOffset(shift: number): number {
  const from = Number(process.env.EHR_PORT_OFFSET ?? 0) + shift;
  return from + HIGHEST_BASE_PORT > 65_535 ? WRAPPED_OFFSET : from;
}

export interface PrivateDevnetOptions {
  /**
   * Where to start looking for free ports, added to EHR_PORT_OFFSET (default 0; see
   * privatePortOffset): the first shift (in steps of 500) whose ports are all free is used, so
   * the stack and other developers' networks on this machine are never disturbed.
   */
  portShift: number;
  /** Also run the ledger suite's contract (network.yaml testChaincode) on each hospital. */
  chaincode?: boolean;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The network at the first port offset from `from` (in steps of 500) at which every port a
 * devnet process binds is free, so a test's devnet never clashes with the stack's or another's.
 */
export async function networkOnFreePorts(
  dataDir: string,
  from: number,
): Promise<{ net: Network; portOffset: number }> {
  for (let portOffset = from; ; portOffset += 500) {
    const net = loadNetwork({ dataDir, portOffset });
    const ports = [
      net.ordererOrg.orderer!.port,
      net.devnet.operationsPort,
      ...[...net.hospitals, ...net.candidateHospitals].flatMap((h) => [
        h.peer.port,
        h.chaincodeServer.testPort ?? h.peer.port,
      ]),
    ];
    if (Math.max(...ports) > 65535)
      throw new Error(`no free ports for a private devnet above offset ${from}`);
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return { net, portOffset };
  }
}

interface DevnetStatusBody {
  height: string;
  chaincodeConnections?: { chaincode: string; state: string }[];
}

export class PrivateDevnet {
  private devnet?: ChildProcess;
  private readonly chaincodeServers: ChildProcess[] = [];

  private constructor(
    readonly net: Network,
    readonly dataDir: string,
    private readonly portOffset: number,
    private readonly opts: PrivateDevnetOptions,
  ) {}

  static async create(opts: PrivateDevnetOptions): Promise<PrivateDevnet> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ehr-private-devnet-'));
    let found: Awaited<ReturnType<typeof networkOnFreePorts>>;
    try {
      found = await networkOnFreePorts(dataDir, privatePortOffset(opts.portShift));
      await writeDevPki(found.net);
    } catch (e) {
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
    const pd = new PrivateDevnet(found.net, dataDir, found.portOffset, opts);
    if (opts.chaincode) pd.startChaincodeServers();
    return pd;
  }

  get pid(): number | undefined {
    return this.devnet?.pid;
  }

  private startChaincodeServers(): void {
    const test = this.net.testChaincode;
    if (!test) throw new Error('network.yaml has no testChaincode');
    for (const h of this.net.hospitals) {
      const server = testChaincodeServerProcess(this.net, h, `${test.name}:${test.version}`);
      this.chaincodeServers.push(
        spawn(server.command, server.args, {
          env: { ...process.env, ...server.env },
          stdio: 'ignore',
        }),
      );
    }
  }

  async status(): Promise<DevnetStatusBody> {
    const res = await fetch(`http://127.0.0.1:${this.net.devnet.operationsPort}/status`);
    if (!res.ok) throw new Error(`status ${res.status}`);
    return (await res.json()) as DevnetStatusBody;
  }

  /** Starts devnet on this data and waits until it (and the chaincode connections) are ready. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, [require.resolve('../main.js')], {
      env: { ...process.env, EHR_DATA_DIR: this.dataDir, EHR_PORT_OFFSET: String(this.portOffset) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.devnet = child;
    const deadline = Date.now() + timeoutMs;
    const test = this.net.testChaincode?.name;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`devnet exited with ${child.exitCode}`);
      const s = await this.status().catch(() => undefined);
      const conns = (s?.chaincodeConnections ?? []).filter((c) => c.chaincode === test);
      if (
        s &&
        (!this.opts.chaincode ||
          (conns.length === this.net.hospitals.length && conns.every((c) => c.state === 'ready')))
      )
        return;
      await sleep(100);
    }
    throw new Error('devnet did not become ready');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.devnet;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** kill -9: no chance to flush or close anything. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** A clean stop (SIGTERM). */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Stops everything and removes the data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    for (const c of this.chaincodeServers) if (c.exitCode === null) c.kill('SIGTERM');
    await sleep(200);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
