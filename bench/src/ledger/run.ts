// `npm run bench -- ledger`: devnet's throughput and latency through the real
// @hyperledger/fabric-gateway client and a real chaincode server (the ledger suite's contract),
// beside the disk's fsync rate measured in the same run (the physical limit of a durable commit).
// A private devnet (own data directory, throwaway certificates, free ports away from the stack's)
// is started for the run, with network.yaml's ordering settings (250 ms batch timeout).
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
  /** CPU time the devnet process used per completed operation (ms): independent of other load. */
  devnetCpuMs: number;
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
  const median = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 50);
  return {
    label,
    stages: stages.endorse.length
      ? { endorse: median(stages.endorse), submit: median(stages.submit), commit: median(stages.commit) }
      : undefined,
    ops: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    errors,
    devnetCpuMs: ((cpu() - cpuBefore) * 1000) / Math.max(1, latencies.length),
  };
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * submitTransaction's own steps (endorse, submit to the orderer, wait for the commit status),
 * each timed: where a submit waits shows in the figures of both ledgers.
 */
async function submitTimed(contract: Contract, stages: Stages, name: string, ...args: string[]): Promise<void> {
  const t0 = performance.now();
  const transaction = await contract.newProposal(name, { arguments: args }).endorse();
  const t1 = performance.now();
  const commit = await transaction.submit();
  const t2 = performance.now();
  const status = await commit.getStatus();
  const t3 = performance.now();
  if (!status.successful) throw new Error(`transaction ${status.transactionId} committed with code ${status.code}`);
  stages.endorse.push(t1 - t0);
  stages.submit.push(t2 - t1);
  stages.commit.push(t3 - t2);
}

/** The same rows against any ledger: a Gateway on hospital 1's peer, the conformance contract. */
async function measure(
  net: Network,
  peerPort: number,
  pids: number[],
): Promise<Result[]> {
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
  const contract: Contract = gateway.getNetwork(net.channel).getContract(net.testChaincode!.name);
  try {
    const results: Result[] = [];
    for (const clients of [1, 8, 64]) {
      results.push(
        await run(`submit, ${clients} client${clients > 1 ? 's' : ''}`, clients, pids, (w, i, stages) =>
          submitTimed(contract, stages, 'Put', `bench-${clients}-${w}-${i}`, `value-${i}`),
        ),
      );
    }
    await contract.submitTransaction('Put', 'bench-read', 'x');
    results.push(
      await run('evaluate, 8 clients', 8, pids, () => contract.evaluateTransaction('Get', 'bench-read')),
    );
    return results;
  } finally {
    gateway.close();
    client.close();
  }
}

/** Real Fabric's rows, on a private network, when its binaries are at hand (FABRIC_BIN). */
async function measureFabric(): Promise<{ results: Result[]; rssMiB: number } | string> {
  if (!findFabricBinaries(loadNetwork().cacheDir)) {
    return 'Fabric: not measured (set FABRIC_BIN to the Fabric 3.1.5 binaries, see README "Running on real Fabric")';
  }
  // PrivateFabric adds EHR_PORT_OFFSET to the shift: ask for the offset a private devnet would use.
  const pf = await PrivateFabric.create(privatePortOffset(27000) - Number(process.env.EHR_PORT_OFFSET ?? 0));
  try {
    const results = await measure(pf.net, pf.net.hospitals[0].peer.fabricPort, pf.pids);
    return { results, rssMiB: pf.pids.reduce((sum: number, pid: number) => sum + rssMiB(pid).rss, 0) };
  } finally {
    await pf.destroy();
  }
}

export async function benchLedger(): Promise<number> {
  const devnet = await PrivateDevnet.create({ portShift: 25000, chaincode: true });
  const { net } = devnet;
  let results: Result[];
  let fsyncs: number;
  let mem: { rss: number; peak: number };
  try {
    await devnet.start();
    fsyncs = fsyncRate(devnet.dataDir);
    results = await measure(net, net.hospitals[0].peer.port, [devnet.pid!]);
    mem = rssMiB(devnet.pid!);
  } finally {
    await devnet.destroy();
  }
  // One ledger at a time: both share this machine's cores.
  const fabric = await measureFabric();
  const self = process.memoryUsage();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `\nledger benchmark: devnet and real Fabric 3.1.5 (one Raft orderer, a peer per hospital) through @hyperledger/fabric-gateway, ${DURATION_MS / 1000} s per row, batch timeout ${net.ordering.batchTimeout}, load average ${load}`,
  );
  console.log(
    `baseline (this run): disk fdatasync rate ${Math.round(fsyncs)} /s (4 KiB appends) — the ceiling for blocks committed durably one by one\n`,
  );
  const f = typeof fabric === 'string' ? undefined : fabric.results;
  console.log('| run | devnet tx/s | p50 ms | p95 ms | errors | CPU ms/tx | Fabric tx/s | p50 ms | p95 ms | errors | CPU ms/tx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const cells = (r?: Result) =>
    r
      ? `${(r.ops / r.seconds).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.errors} | ${r.devnetCpuMs.toFixed(2)}`
      : '- | - | - | - | -';
  results.forEach((r, i) => console.log(`| ${r.label} | ${cells(r)} | ${cells(f?.[i])} |`));
  console.log(
    `\nmemory: devnet RSS ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)${typeof fabric === 'string' ? '' : `; Fabric orderer + peers RSS ${fabric.rssMiB.toFixed(0)} MiB`}; benchmark client RSS ${(self.rss / 2 ** 20).toFixed(0)} MiB, heap ${(self.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log('CPU ms/tx: CPU time of the ledger processes (devnet; Fabric orderer and peers) per completed operation');
  const stagesOf = (r?: Result) =>
    r?.stages ? `${r.stages.endorse.toFixed(0)} / ${r.stages.submit.toFixed(0)} / ${r.stages.commit.toFixed(0)}` : '-';
  console.log('\nsubmit steps, p50 ms of endorse / submit (to the orderer) / commit status wait:');
  console.log('| run | devnet | Fabric |');
  console.log('| --- | ---: | ---: |');
  results.forEach((r, i) => r.stages && console.log(`| ${r.label} | ${stagesOf(r)} | ${stagesOf(f?.[i])} |`));
  if (typeof fabric === 'string') console.log(fabric);
  return results.some((r) => r.ops === 0) || f?.some((r) => r.ops === 0) ? 1 : 0;
}
