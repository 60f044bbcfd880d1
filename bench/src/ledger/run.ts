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
import { orgPaths } from '@ehr/network';
import { PrivateDevnet } from '@ehr/devnet/dist/src/testing';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);

interface Result {
  label: string;
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
  devnetPid: number,
  op: (worker: number, i: number) => Promise<unknown>,
): Promise<Result> {
  const cpuBefore = cpuSeconds(devnetPid);
  const latencies: number[] = [];
  let errors = 0;
  const began = performance.now();
  const end = began + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        try {
          await op(w, i);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label,
    ops: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    errors,
    devnetCpuMs: ((cpuSeconds(devnetPid) - cpuBefore) * 1000) / Math.max(1, latencies.length),
  };
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export async function benchLedger(): Promise<number> {
  const devnet = await PrivateDevnet.create({ portShift: 25000, chaincode: true });
  const { net } = devnet;
  const test = net.testChaincode!;
  try {
    await devnet.start();
    const fsyncs = fsyncRate(devnet.dataDir);

    const h1 = net.hospitals[0];
    const idPaths = orgPaths(net, h1).gatewayService!;
    const client = new grpc.Client(
      `127.0.0.1:${h1.peer.port}`,
      grpc.credentials.createSsl(readFileSync(orgPaths(net, h1).peer!.tlsCa)),
    );
    const gateway = connect({
      client,
      identity: { mspId: h1.mspId, credentials: readFileSync(idPaths.signCert) },
      signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(idPaths.privateKey))),
    });
    const contract: Contract = gateway.getNetwork(net.channel).getContract(test.name);
    try {
      const results: Result[] = [];
      for (const clients of [1, 8, 64]) {
        results.push(
          await run(
            `submit, ${clients} client${clients > 1 ? 's' : ''}`,
            clients,
            devnet.pid!,
            (w, i) => contract.submitTransaction('Put', `bench-${clients}-${w}-${i}`, `value-${i}`),
          ),
        );
      }
      await contract.submitTransaction('Put', 'bench-read', 'x');
      results.push(
        await run('evaluate, 8 clients', 8, devnet.pid!, () =>
          contract.evaluateTransaction('Get', 'bench-read'),
        ),
      );
      const mem = rssMiB(devnet.pid!);
      const self = process.memoryUsage();
      const load = loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');

      console.log(
        `\nledger benchmark: devnet through @hyperledger/fabric-gateway, ${DURATION_MS / 1000} s per row, batch timeout ${net.ordering.batchTimeout}, load average ${load}`,
      );
      console.log(
        `baseline (this run): disk fdatasync rate ${Math.round(fsyncs)} /s (4 KiB appends) — the ceiling for blocks committed durably one by one\n`,
      );
      console.log('| run | tx/s | p50 ms | p95 ms | errors | devnet CPU ms/tx |');
      console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const r of results) {
        console.log(
          `| ${r.label} | ${(r.ops / r.seconds).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.errors} | ${r.devnetCpuMs.toFixed(2)} |`,
        );
      }
      console.log(
        `\nmemory: devnet RSS ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB); benchmark client RSS ${(self.rss / 2 ** 20).toFixed(0)} MiB, heap ${(self.heapUsed / 2 ** 20).toFixed(0)} MiB`,
      );
      console.log(
        'reference (real Fabric 3.1.5 on a 2-core machine, same client, 250 ms batch timeout): 130–170 submits/s at 64 clients, 330–370 evaluates/s at 8',
      );
      if (process.env.LEDGER === 'fabric') {
        console.log(
          'LEDGER=fabric: this command measures devnet only; run it against network/fabric for the other column',
        );
      }
      return results.some((r) => r.ops === 0) ? 1 : 0;
    } finally {
      gateway.close();
      client.close();
    }
  } finally {
    await devnet.destroy();
  }
}
