// `npm run bench -- upload`: the records path on the running local stack (`npm start`, or the
// stack of EHR_DATA_DIR / EHR_PORT_OFFSET). Prints, measured in one run:
//  - encryption only (AES-256-GCM: one cipher per 64 KiB, and the segmented stream): the CPU limit;
//  - for 1 MiB and 20 MiB: gateway upload and download (MB/s, p50/p95) beside the raw baselines —
//    IPFS Cluster add of the same bytes, and a Fabric Gateway submit of records:AddRecord with
//    metadata of the same size (the two halves an upload is made of); the median time of each
//    upload step (Server-Timing) and the gateway's CPU time per upload;
//  - uploads 4 at once (BENCH_CONCURRENT) beside as many raw adds at once;
//  - the gateway's peak RSS while a 1 GiB file is uploaded (sampled from /proc every 50 ms).
// The gateway runs in its own process (gateway-child) on a fresh database, Hospital1.
import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IpfsClusterClient, kuboRepoGc, loadNetwork } from '@ehr/network';
import { GATEWAY_NODE_FLAGS, GATEWAY_PROCESS_ENV } from '@ehr/gateway';
import { EncryptStream } from '@ehr/gateway/crypto';
import type { ChildReady, ChildReply, ChildRequest } from './gateway-child';

const MiB = 1024 * 1024;
const ITERATIONS: Record<number, number> = {
  [MiB]: Number(process.env.BENCH_ITERATIONS_1MIB ?? 12),
  [20 * MiB]: Number(process.env.BENCH_ITERATIONS_20MIB ?? 6),
};
const BIG = Number(process.env.BENCH_BIG_MIB ?? 1024) * MiB;
/** Uploads (and raw adds) side by side in the concurrent rounds: several doctors at once. */
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 4);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Row {
  label: string;
  bytes: number;
  /** Transfers per timing (a round of concurrent ones); 1 when sequential. */
  parallel?: number;
  ms: number[];
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** A PDF-looking body of `size` bytes, streamed in 1 MiB chunks of one random block. */
function* pdfChunks(size: number): Generator<Buffer> {
  const block = randomBytes(MiB);
  Buffer.from('%PDF-1.7\n').copy(block);
  for (let sent = 0; sent < size; sent += MiB)
    yield sent === 0 ? block : block.subarray(0, Math.min(MiB, size - sent));
}

class Client {
  private cookie = '';
  private csrf = '';
  constructor(readonly base: string) {}

  async json<T = Record<string, string>>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { cookie: this.cookie, 'x-csrf-token': this.csrf };
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ehr.sid='));
    if (set) this.cookie = set.split(';')[0]!;
    const out = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  }

  async login(role: string, username: string, password: string): Promise<void> {
    this.csrf = (await this.json('GET', '/auth/csrf')).csrfToken;
    const c = await this.json('GET', '/auth/captcha');
    const a = await this.json('GET', `/dev/captcha/${c.captchaId}`);
    this.csrf = (
      await this.json('POST', '/auth/login', {
        role,
        username,
        password,
        captchaId: c.captchaId,
        captchaAnswer: a.answer,
      })
    ).csrfToken;
  }

  /** Streams a multipart upload; returns the record id and the gateway's Server-Timing steps. */
  async upload(
    patientId: string,
    chunks: Iterable<Buffer>,
  ): Promise<{ recordId: string; cid: string; steps: Record<string, number> }> {
    const boundary = `bench${randomBytes(8).toString('hex')}`;
    async function* body() {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nreport\r\n`,
      );
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      );
      yield* chunks;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const res = await fetch(`${this.base}/patients/${encodeURIComponent(patientId)}/records`, {
      method: 'POST',
      headers: {
        cookie: this.cookie,
        'x-csrf-token': this.csrf,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: ReadableStream.from(body()),
      duplex: 'half',
    } as RequestInit);
    const out = (await res.json()) as { recordId: string; cid: string };
    if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(out)}`);
    const steps: Record<string, number> = {};
    for (const m of (res.headers.get('server-timing') ?? '').matchAll(/([a-z]+);dur=(\d+)/g))
      steps[m[1]!] = Number(m[2]);
    return { ...out, steps };
  }

  /** Downloads and hashes the content (never held whole). */
  async download(recordId: string): Promise<{ bytes: number; sha256: string }> {
    const res = await fetch(`${this.base}/records/${recordId}/content`, {
      headers: { cookie: this.cookie },
    });
    if (res.status !== 200) throw new Error(`download: ${res.status} ${await res.text()}`);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(c);
      bytes += c.length;
    }
    return { bytes, sha256: hash.digest('hex') };
  }
}

function encryptionOnly(): { rawMBs: number; streamMBs: Promise<number> } {
  const total = 512 * MiB;
  const key = randomBytes(32);
  const seg = randomBytes(64 * 1024);
  const t0 = performance.now();
  for (let done = 0, i = 0; done < total; done += seg.length, i++) {
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(i, 7);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.update(seg);
    c.final();
    c.getAuthTag();
  }
  const rawMBs = total / MiB / ((performance.now() - t0) / 1000);
  const streamMBs = (async () => {
    const t1 = performance.now();
    const big = randomBytes(MiB);
    await pipeline(
      Readable.from(
        (function* () {
          for (let done = 0; done < total; done += MiB) yield big;
        })(),
      ),
      new EncryptStream(key),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    return total / MiB / ((performance.now() - t1) / 1000);
  })();
  return { rawMBs, streamMBs };
}

function startChild(): Promise<{ child: ChildProcess; ready: ChildReady }> {
  const child = fork(join(__dirname, 'gateway-child.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // As the supervisor starts a gateway.
    execArgv: GATEWAY_NODE_FLAGS,
    // The large-file memory run needs a limit above it.
    env: { ...process.env, ...GATEWAY_PROCESS_ENV, EHR_RECORD_MAX_BYTES: String(BIG + MiB) },
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ready: m as ChildReady }));
    child.once('exit', (code) => reject(new Error(`bench gateway exited (${code})`)));
  });
}

/** Median of each upload step (ms from the start of the upload, as the gateway reports them). */
function stepMedians(all: Record<string, number>[]): string {
  const names = ['keyholders', 'sealed', 'endorsed', 'added', 'replicas', 'committed'].filter((n) =>
    all.some((s) => n in s),
  );
  return names
    .map(
      (n) =>
        `${n} ${percentile(
          all
            .map((s) => s[n] ?? NaN)
            .filter((v) => !Number.isNaN(v))
            .sort((a, b) => a - b),
          50,
        ).toFixed(0)}`,
    )
    .join(', ');
}

function childUsage(
  child: ChildProcess,
  id: number,
): Promise<{ memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage }> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildReply) => {
      if (m.id !== id || !('memory' in m)) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ op: 'memory', id } satisfies ChildRequest);
  });
}

function rawSubmit(child: ChildProcess, cid: string, size: number, id: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildReply) => {
      if (m.id !== id) return;
      child.off('message', onMessage);
      if ('error' in m) reject(new Error(m.error));
      else if ('ms' in m) resolve(m.ms);
    };
    child.on('message', onMessage);
    child.send({ op: 'submit', id, cid, size } satisfies ChildRequest);
  });
}

export async function benchUpload(): Promise<number> {
  const net = loadNetwork();
  const h1 = net.hospitals[0]!;
  const cluster = new IpfsClusterClient(net, h1);
  await cluster.id(); // the stack is up
  const want = net.ipfs.replicationFactorMax;
  const enc = encryptionOnly();
  const streamMBs = await enc.streamMBs;

  const { child, ready } = await startChild();
  const rssAtStart = rssMiB(ready.pid);
  try {
    const doctor = new Client(ready.url);
    await doctor.login('doctor', ready.doctor.username, ready.doctor.password);
    const rows: Row[] = [];
    const steps: Record<number, Record<string, number>[]> = { [MiB]: [], [20 * MiB]: [] };
    // The gateway process's CPU time per upload (all its threads): what it takes from the cores
    // the cluster, the IPFS nodes and the ledger share with it.
    const cpuMs: Record<number, number[]> = { [MiB]: [], [20 * MiB]: [] };
    const uploaded: string[] = [];
    let seq = 0;
    child.setMaxListeners(0); // a reply listener per memory sample
    for (const size of [MiB, 20 * MiB]) {
      const add: Row = { label: 'raw IPFS Cluster add', bytes: size, ms: [] };
      // What the upload's 201 waits for on the IPFS side: the add, then the pin reported on every
      // peer it is replicated to (polled every 5 ms, as the gateway does for its first ten asks).
      const replicated: Row = {
        label: `raw add, until pinned on ${want} peers`,
        bytes: size,
        ms: [],
      };
      const submit: Row = { label: 'raw Fabric submit (AddRecord)', bytes: size, ms: [] };
      const up: Row = { label: 'gateway upload', bytes: size, ms: [] };
      const down: Row = { label: 'gateway download', bytes: size, ms: [] };
      for (let i = 0; i < ITERATIONS[size]!; i++) {
        // Interleaved, so the rows share the machine's conditions.
        const data = Buffer.concat([...pdfChunks(size)]);
        data.writeUInt32BE(i, 100); // a new CID each time
        let t = performance.now();
        const rawCid = await cluster.addStream(Readable.from([data]), 'bench-raw.bin');
        add.ms.push(performance.now() - t);
        while ((await cluster.pinnedOn(rawCid)) < want) await new Promise((r) => setTimeout(r, 5));
        replicated.ms.push(performance.now() - t);
        submit.ms.push(await rawSubmit(child, rawCid, size, ++seq));
        await cluster.unpin(rawCid).catch(() => undefined);

        data.writeUInt32BE(i + 1_000_000, 100);
        const before = (await childUsage(child, ++seq)).cpu;
        t = performance.now();
        const { recordId, cid, steps: st } = await doctor.upload(ready.patientId, [data]);
        up.ms.push(performance.now() - t);
        const after = (await childUsage(child, ++seq)).cpu;
        cpuMs[size]!.push((after.user + after.system - before.user - before.system) / 1000);
        steps[size]!.push(st);
        uploaded.push(cid);
        t = performance.now();
        const got = await doctor.download(recordId);
        down.ms.push(performance.now() - t);
        if (got.bytes !== size || got.sha256 !== createHash('sha256').update(data).digest('hex'))
          throw new Error('download differs from upload');
      }
      rows.push(add, replicated, submit, up, down);
    }

    // Memory: the gateway's RSS while a large file streams through it.
    let peak = rssMiB(ready.pid);
    const before = peak;
    let peakHeap = 0;
    let peakBuffers = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(ready.pid));
      void childUsage(child, ++seq).then(({ memory: m }) => {
        peakHeap = Math.max(peakHeap, m.heapUsed / MiB);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers / MiB);
      });
    }, 50);
    const t = performance.now();
    let bigMBs = NaN;
    try {
      uploaded.push((await doctor.upload(ready.patientId, pdfChunks(BIG))).cid);
      bigMBs = BIG / MiB / ((performance.now() - t) / 1000);
    } finally {
      clearInterval(sampler);
      // The benchmark's files would fill the IPFS repositories run after run (its records stay on
      // the ledger, as throwaway data of a throwaway patient).
      for (const cid of uploaded) await cluster.unpin(cid).catch(() => undefined);
    }

    // Several doctors at once, after the memory run (its figure stays that of a gateway that served
    // one upload at a time): rounds of CONCURRENT uploads against rounds of as many raw adds of the
    // same sizes; a round's time is until its last transfer finished.
    for (const size of [MiB, 20 * MiB]) {
      const add: Row = {
        label: `raw IPFS Cluster add, ${CONCURRENT} at once`,
        bytes: size,
        parallel: CONCURRENT,
        ms: [],
      };
      const up: Row = {
        label: `gateway upload, ${CONCURRENT} at once`,
        bytes: size,
        parallel: CONCURRENT,
        ms: [],
      };
      for (let i = 0; i < Math.ceil(ITERATIONS[size]! / 2); i++) {
        const files = Array.from({ length: CONCURRENT }, (_, k) => {
          const data = Buffer.concat([...pdfChunks(size)]);
          data.writeUInt32BE(2_000_000 + i * CONCURRENT + k, 100);
          return data;
        });
        let t = performance.now();
        const raw = await Promise.all(
          files.map((data) => cluster.addStream(Readable.from([data]), 'bench-raw.bin')),
        );
        add.ms.push(performance.now() - t);
        for (const data of files) data.writeUInt32BE(3_000_000 + i, 104);
        t = performance.now();
        const ups = await Promise.all(files.map((data) => doctor.upload(ready.patientId, [data])));
        up.ms.push(performance.now() - t);
        for (const cid of [...raw, ...ups.map((u) => u.cid)])
          await cluster.unpin(cid).catch(() => undefined);
      }
      rows.push(add, up);
    }

    // Unpinned, the benchmark's ~2 GiB per node would stay stored until Kubo collects it; a few runs
    // filled the repositories (10 GB) and the cluster then refused every add (no peer to allocate).
    for (const h of net.hospitals) await kuboRepoGc(h).catch(() => undefined);

    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    console.log(
      `\nrecords upload/download benchmark: Hospital1 gateway (own process) → IPFS Cluster (replication ${net.ipfs.replicationFactorMin}-${net.ipfs.replicationFactorMax}, 2 peers) + ledger; load average ${load}`,
    );
    console.log(
      `\nencryption only (CPU limit, one core): AES-256-GCM ${rawMBs(enc.rawMBs)} MB/s (64 KiB per cipher); segmented stream ${rawMBs(streamMBs)} MB/s\n`,
    );
    console.log('| size | run | n | MB/s (median) | p50 ms | p95 ms |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const s = [...r.ms].sort((a, b) => a - b);
      const p50 = percentile(s, 50);
      const mbs = ((r.parallel ?? 1) * r.bytes) / MiB / (p50 / 1000);
      console.log(
        `| ${r.bytes / MiB} MiB | ${r.label} | ${s.length} | ${r.label.includes('submit') ? '-' : mbs.toFixed(1)} | ${p50.toFixed(0)} | ${percentile(s, 95).toFixed(0)} |`,
      );
    }
    for (const size of [MiB, 20 * MiB]) {
      const med = (label: string) =>
        percentile(
          [...rows.find((r) => r.bytes === size && r.label === label)!.ms].sort((a, b) => a - b),
          50,
        );
      const speed = (suffix: string, raw = `raw IPFS Cluster add${suffix}`) =>
        ((100 * med(raw)) / med(`gateway upload${suffix}`)).toFixed(0);
      console.log(
        `${size / MiB} MiB: upload speed = ${speed('')} % of the raw cluster add (median times; ${CONCURRENT} at once: ${speed(`, ${CONCURRENT} at once`)} %; ${speed('', `raw add, until pinned on ${want} peers`)} % of the raw add until pinned on ${want} peers); upload steps, ms from its start (median): ${stepMedians(steps[size]!)}; gateway CPU ${percentile(
          [...cpuMs[size]!].sort((a, b) => a - b),
          50,
        ).toFixed(0)} ms per upload (median)`,
      );
      // The target as a time budget beside the upload's floor: nothing is stored before the
      // ledger's key-holder check passed, and the transaction is ordered only once the add
      // confirmed (no record without its file), so an upload takes at least the check, the add
      // and the ordering and commit that follow it (committed − max(added, endorsed), median).
      const raw = med('raw IPFS Cluster add');
      const stepMedian = (f: (st: Record<string, number>) => number) =>
        percentile(
          steps[size]!.map(f)
            .filter((v) => Number.isFinite(v))
            .sort((a, b) => a - b),
          50,
        );
      const check = stepMedian((st) => st.keyholders ?? NaN);
      const afterAdd = stepMedian(
        (st) => (st.committed ?? NaN) - Math.max(st.added ?? NaN, st.endorsed ?? NaN),
      );
      const floor = check + raw + afterAdd;
      console.log(
        `${size / MiB} MiB: target 70 % → an upload within ${(raw / 0.7).toFixed(0)} ms; its floor here: key-holder check ${check.toFixed(0)} + raw add ${raw.toFixed(0)} + ordering and commit after the add ${afterAdd.toFixed(0)} = ${floor.toFixed(0)} ms (${((100 * raw) / floor).toFixed(0)} %); measured ${med('gateway upload').toFixed(0)} ms`,
      );
    }
    console.log(
      `\nmemory: gateway RSS ${rssAtStart.toFixed(0)} MiB after start, ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while uploading ${BIG / MiB} MiB (${bigMBs.toFixed(1)} MB/s); in it, peak JS heap ${peakHeap.toFixed(0)} MiB and Buffers ${peakBuffers.toFixed(0)} MiB`,
    );
    return 0;
  } finally {
    child.disconnect();
  }
}

const rawMBs = (v: number) => v.toFixed(0);
