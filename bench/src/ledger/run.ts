// `npm run bench -- ledger`: devnet's throughput and latency through the real
// @hyperledger/fabric-gateway client and a real chaincode server (the ledger suite's contract),
// beside the disk's fsync rate measured in the same run (the physical limit of a durable commit).
// A private devnet (own data directory, throwaway certificates, free ports away from the stack's)
// is started for the run, with network.yaml's ordering settings (its batch timeout is printed with
// the figures), and with FABRIC_BIN a private real Fabric network beside it; the two take turns,
// row by row.
import { createPrivateKey } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, signers, type Contract } from '@hyperledger/fabric-gateway';
import { loadNetwork, orgPaths, type Network } from '@ehr/network';
import { PrivateDevnet, privatePortOffset } from '@ehr/devnet/dist/src/testing';
import { findFabricBinaries } from '@ehr/fabric';
import { PrivateFabric } from '@ehr/fabric/dist/src/testing';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);

/** Where a submit's time goes, as the client sees it (p50 of each step, ms). */
interface Stages {
  endorse: number[];
  submit: number[];
  commit: number[];
}

interface Result {
  label: string;
  stages?: { endorse: number; submit: number; commit: number };
  ops: number;
  seconds: number;
  p50: number;
  p95: number;
  errors: number;
  /** CPU time the ledger's processes used per completed operation (ms): independent of other load. */
  cpuMs: number;
}

/** User + system CPU seconds a process has used (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** fdatasync of a 4 KiB append, as often as possible for `ms`: the disk's durable-write rate. */
function fsyncRate(dir: string, ms = 2000): number {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  let n = 0;
  const end = Date.now() + ms;
  try {
    while (Date.now() < end) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      n++;
    }
  } finally {
    closeSync(fd);
    rmSync(file);
  }
  return n / (ms / 1000);
}

async function run(
  label: string,
  clients: number,
  pids: number[],
  op: (worker: number, i: number, stages: Stages) => Promise<unknown>,
): Promise<Result> {
  const stages: Stages = { endorse: [], submit: [], commit: [] };
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuBefore = cpu();
  const latencies: number[] = [];
  let errors = 0;
  const began = performance.now();
  const end = began + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        try {
          await op(w, i, stages);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const median = (xs: number[]) =>
    percentile(
      xs.sort((a, b) => a - b),
      50,
    );
  return {
    label,
    stages: stages.endorse.length
      ? {
          endorse: median(stages.endorse),
          submit: median(stages.submit),
          commit: median(stages.commit),
        }
      : undefined,
    ops: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    errors,
    cpuMs: ((cpu() - cpuBefore) * 1000) / Math.max(1, latencies.length),
  };
}

/** Resident memory of a process (MiB). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * submitTransaction's own steps (endorse, submit to the orderer, wait for the commit status),
 * each timed: where a submit waits shows in the figures of both ledgers.
 */
async function submitTimed(
  contract: Contract,
  stages: Stages,
  name: string,
  ...args: string[]
): Promise<void> {
  const t0 = performance.now();
  const transaction = await contract.newProposal(name, { arguments: args }).endorse();
  const t1 = performance.now();
  const commit = await transaction.submit();
  const t2 = performance.now();
  const status = await commit.getStatus();
  const t3 = performance.now();
  if (!status.successful)
    throw new Error(`transaction ${status.transactionId} committed with code ${status.code}`);
  stages.endorse.push(t1 - t0);
  stages.submit.push(t2 - t1);
  stages.commit.push(t3 - t2);
}

/** A ledger under test: a Gateway on hospital 1's peer with the conformance contract. */
interface LedgerUnderTest {
  name: string;
  /** The ledger's own processes (CPU and memory figures). */
  pids: number[];
  contract: Contract;
  close(): void;
}

function connectLedger(
  name: string,
  net: Network,
  peerPort: number,
  pids: number[],
): LedgerUnderTest {
  const h1 = net.hospitals[0];
  const idPaths = orgPaths(net, h1).gatewayService!;
  const client = new grpc.Client(
    `127.0.0.1:${peerPort}`,
    grpc.credentials.createSsl(readFileSync(orgPaths(net, h1).peer!.tlsCa)),
  );
  const gateway = connect({
    client,
    identity: { mspId: h1.mspId, credentials: readFileSync(idPaths.signCert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(idPaths.privateKey))),
  });
  return {
    name,
    pids,
    contract: gateway.getNetwork(net.channel).getContract(net.testChaincode!.name),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

interface Row {
  label: string;
  clients: number;
  op: (contract: Contract, worker: number, i: number, stages: Stages) => Promise<unknown>;
}

const ROWS: Row[] = [
  ...[1, 8, 64].map((clients): Row => ({
    label: `submit, ${clients} client${clients > 1 ? 's' : ''}`,
    clients,
    op: (contract, w, i, stages) =>
      submitTimed(contract, stages, 'Put', `bench-${clients}-${w}-${i}`, `value-${i}`),
  })),
  {
    label: 'evaluate, 8 clients',
    clients: 8,
    op: (contract) => contract.evaluateTransaction('Get', 'bench-read'),
  },
];

/**
 * Every row on every ledger, the ledgers taking turns row by row (first one, then the other,
 * then the other first): load from outside this run falls on both alike.
 */
async function measureAll(ledgers: LedgerUnderTest[]): Promise<Result[][]> {
  for (const l of ledgers) await l.contract.submitTransaction('Put', 'bench-read', 'x');
  const results: Result[][] = ledgers.map(() => []);
  for (const [r, row] of ROWS.entries()) {
    const order =
      r % 2 === 0 ? ledgers.map((_, i) => i) : ledgers.map((_, i) => ledgers.length - 1 - i);
    for (const i of order) {
      const { contract, pids } = ledgers[i]!;
      results[i]![r] = await run(row.label, row.clients, pids, (w, n, stages) =>
        row.op(contract, w, n, stages),
      );
    }
  }
  return results;
}

/**
 * Raft orderers of the private Fabric: 3 unless FABRIC_ORDERERS=1 — the issue's reference
 * figures and a production channel (one orderer is no fault-tolerant ordering service).
 */
const FABRIC_ORDERERS = process.env.FABRIC_ORDERERS === '1' ? '1' : '3';

/** Real Fabric on a private network, when its binaries are at hand (FABRIC_BIN). */
async function startFabric(): Promise<PrivateFabric | string> {
  if (!findFabricBinaries(loadNetwork().cacheDir)) {
    return 'Fabric: not measured (set FABRIC_BIN to the Fabric 3.1.5 binaries, see README "Running on real Fabric")';
  }
  // PrivateFabric adds EHR_PORT_OFFSET to the shift: ask for the offset a private devnet would use.
  return PrivateFabric.create(
    privatePortOffset(27000) - Number(process.env.EHR_PORT_OFFSET ?? 0),
    FABRIC_ORDERERS,
  );
}

export async function benchLedger(): Promise<number> {
  const devnet = await PrivateDevnet.create({ portShift: 25000, chaincode: true });
  const { net } = devnet;
  let fabric: PrivateFabric | string = 'Fabric: not started';
  const ledgers: LedgerUnderTest[] = [];
  let results: Result[][];
  let fsyncs: number;
  let mem: number[];
  try {
    await devnet.start();
    fsyncs = fsyncRate(devnet.dataDir);
    ledgers.push(connectLedger('devnet', net, net.hospitals[0].peer.port, [devnet.pid!]));
    fabric = await startFabric();
    if (typeof fabric !== 'string') {
      ledgers.push(
        connectLedger('Fabric', fabric.net, fabric.net.hospitals[0].peer.fabricPort, fabric.pids),
      );
    }
    results = await measureAll(ledgers);
    mem = ledgers.map((l) => l.pids.reduce((sum, pid) => sum + rssMiB(pid), 0));
  } finally {
    for (const l of ledgers) l.close();
    if (typeof fabric !== 'string') await fabric.destroy();
    await devnet.destroy();
  }
  const self = process.memoryUsage();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `\nledger benchmark: devnet and real Fabric 3.1.5 (${FABRIC_ORDERERS === '1' ? 'one Raft orderer' : 'three Raft orderers'}, a peer per hospital) through @hyperledger/fabric-gateway, ${DURATION_MS / 1000} s per row and ledger (taking turns), batch timeout ${net.ordering.batchTimeout}, load average ${load}`,
  );
  console.log(
    `baseline (this run): disk fdatasync rate ${Math.round(fsyncs)} /s (4 KiB appends) — the ceiling for blocks committed durably one by one\n`,
  );
  const [d, f] = results;
  console.log(
    '| run | devnet tx/s | p50 ms | p95 ms | errors | CPU ms/tx | Fabric tx/s | p50 ms | p95 ms | errors | CPU ms/tx |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const cells = (r?: Result) =>
    r
      ? `${(r.ops / r.seconds).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.errors} | ${r.cpuMs.toFixed(2)}`
      : '- | - | - | - | -';
  d!.forEach((r, i) => console.log(`| ${r.label} | ${cells(r)} | ${cells(f?.[i])} |`));
  console.log(
    `\nmemory: devnet RSS ${mem[0]!.toFixed(0)} MiB${f ? `; Fabric orderer + peers RSS ${mem[1]!.toFixed(0)} MiB` : ''}; benchmark client RSS ${(self.rss / 2 ** 20).toFixed(0)} MiB, heap ${(self.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    'CPU ms/tx: CPU time of the ledger processes (devnet; Fabric orderer and peers) per completed operation',
  );
  const stagesOf = (r?: Result) =>
    r?.stages
      ? `${r.stages.endorse.toFixed(0)} / ${r.stages.submit.toFixed(0)} / ${r.stages.commit.toFixed(0)}`
      : '-';
  console.log('\nsubmit steps, p50 ms of endorse / submit (to the orderer) / commit status wait:');
  console.log('| run | devnet | Fabric |');
  console.log('| --- | ---: | ---: |');
  d!.forEach(
    (r, i) => r.stages && console.log(`| ${r.label} | ${stagesOf(r)} | ${stagesOf(f?.[i])} |`),
  );
  if (typeof fabric === 'string') console.log(fabric);
  return results.some((rows) => rows.some((r) => r.ops === 0)) ? 1 : 0;
}
