// A small typed client for what the system needs from IPFS: add through a hospital's cluster
// peer (replicated by the cluster), ask a pin's status across peers, and read through a Kubo node.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Hospital, Network } from '../config';
import { ADD_QUERY } from './cid';
import { clusterApiAuthorization } from './config';

export type PinState =
  | 'pinned'
  | 'pinning'
  | 'pin_queued'
  | 'pin_error'
  | 'unpinned'
  | 'remote'
  | 'cluster_error'
  | 'undefined'
  | string;

export interface PinStatus {
  cid: string;
  /** Per cluster peer id: its state for this CID. */
  peers: Record<string, { peerName: string; status: PinState; error?: string }>;
}

export interface ClusterPin {
  cid: string;
  name: string;
  replicationFactorMin: number;
  replicationFactorMax: number;
  /** Peers that must hold it; empty means every peer. */
  allocations: string[];
  metadata: Record<string, string>;
}

const cidText = (cid: unknown): string =>
  typeof cid === 'string' ? cid : ((cid as { '/': string } | undefined)?.['/'] ?? '');

interface Answer {
  status: number;
  text: string;
}

/** The whole answer of a node:http response, as text. */
function answerOf(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    res.on('error', reject);
  });
}

const failure = (what: string, a: Answer) =>
  new Error(`${what}: HTTP ${a.status} ${a.text.slice(0, 300)}`);

/** A fetch answer that is not 2xx throws, as `okText` does for node:http answers. */
async function check(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw failure(what, { status: res.status, text: await res.text() });
  return res;
}

function okText(a: Answer, what: string): string {
  if (a.status < 200 || a.status >= 300) throw failure(what, a);
  return a.text;
}

/**
 * A small request over node:http. The cluster's status is asked every few milliseconds while an
 * upload waits for its copies: fetch cost each ask a web stream, a performance entry and several
 * promises, node:http a fraction of that.
 */
function httpText(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      signal: opts.signal,
    });
    req.on('response', (res) => answerOf(res).then(resolve, reject));
    req.on('error', reject);
    req.end();
  });
}

export class IpfsClusterClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  /**
   * A client of `org`'s cluster peer, authenticated with the password in the data directory.
   * Calls other than adds give up after `timeoutMs` (a hung peer must not hang its callers).
   */
  constructor(
    net: Network,
    org: Hospital,
    private readonly timeoutMs = 30_000,
  ) {
    this.base = `http://127.0.0.1:${org.ipfs.clusterApiPort}`;
    this.headers = { authorization: clusterApiAuthorization(net, org) };
  }

  private deadline(): AbortSignal {
    return AbortSignal.timeout(this.timeoutMs);
  }

  /** A call of the cluster's REST API within the client's deadline; a non-2xx answer throws. */
  private async call(method: string, path: string, what: string): Promise<string> {
    return okText(await this.answer(method, path), what);
  }

  private answer(method: string, path: string) {
    return httpText(`${this.base}${path}`, {
      method,
      headers: this.headers,
      signal: this.deadline(),
    });
  }

  /** Adds the bytes and pins them across the cluster; returns the CID (layout: ADD_LAYOUT). */
  async add(data: Uint8Array, name = 'file'): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([data]), name);
    const url = `${this.base}/add?${ADD_QUERY}&stream-channels=false`;
    const res = await check(
      await fetch(url, { method: 'POST', body: form, headers: this.headers }),
      'cluster add',
    );
    const body = (await res.json()) as { cid: unknown }[] | { cid: unknown };
    const last = Array.isArray(body) ? body[body.length - 1] : body;
    const cid = cidText(last?.cid);
    if (!cid) throw new Error('cluster add: no CID in the answer');
    return cid;
  }

  /**
   * Adds a stream as one file without holding it in memory (the multipart body is streamed to
   * the cluster peer, which chunks it into blocks on the allocated peers and pins it); returns
   * the CID (layout: ADD_LAYOUT, so CidStream computes the same). A source that errors aborts
   * the request.
   */
  async addStream(
    source: AsyncIterable<Uint8Array>,
    name = 'file',
    signal?: AbortSignal,
  ): Promise<string> {
    const boundary = `ehr-${randomBytes(12).toString('hex')}`;
    const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_');
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const url = `${this.base}/add?${ADD_QUERY}&stream-channels=false`;
    // node:http, not fetch: its request body honours the socket's backpressure, so a slow
    // cluster peer slows the upload down instead of the body piling up in memory.
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        signal,
      });
      req.on('response', (res) =>
        answerOf(res)
          .then((a) => okText(a, 'cluster add'))
          .then(resolve, reject),
      );
      // Settle on the request's own failure: the pipeline only settles once the source ends,
      // which a stalled source (waiting on its producer) may not do until the caller stops it.
      req.on('error', reject);
      // The source is piped into the request as it is (a stream source without a wrapping async
      // generator: that cost as much CPU as encrypting the file), between the part's head and tail.
      req.write(head);
      pipeline(source, req, { end: false })
        .then(() => req.end(`\r\n--${boundary}--\r\n`))
        .catch(reject);
    });
    const answer = JSON.parse(text) as { cid: unknown }[] | { cid: unknown };
    const last = Array.isArray(answer) ? answer[answer.length - 1] : answer;
    const cid = cidText(last?.cid);
    if (!cid) throw new Error('cluster add: no CID in the answer');
    return cid;
  }

  /** Removes the pin from the cluster (its blocks are then garbage-collectable on every peer). A
   *  CID the cluster does not pin (404) is already where the caller wants it: not an error. */
  async unpin(cid: string): Promise<void> {
    const answer = await this.answer('DELETE', `/pins/${encodeURIComponent(cid)}`);
    if (answer.status !== 404) okText(answer, 'cluster unpin');
  }

  /** The pin's state on every cluster peer. */
  async status(cid: string): Promise<PinStatus> {
    const text = await this.call('GET', `/pins/${encodeURIComponent(cid)}`, 'cluster status');
    const body = JSON.parse(text) as {
      cid: unknown;
      peer_map: Record<string, { peername: string; status: string; error?: string }>;
    };
    const peers: PinStatus['peers'] = {};
    for (const [id, p] of Object.entries(body.peer_map ?? {})) {
      peers[id] = { peerName: p.peername, status: p.status, error: p.error || undefined };
    }
    return { cid: cidText(body.cid), peers };
  }

  /** Number of peers that hold the pin. */
  async pinnedOn(cid: string): Promise<number> {
    const s = await this.status(cid);
    return Object.values(s.peers).filter((p) => p.status === 'pinned').length;
  }

  /** The ids of the cluster's peers as this peer sees them. */
  async peers(): Promise<string[]> {
    return (await this.getList<{ id: string }>('/peers')).map((p) => p.id);
  }

  /** This peer's id. */
  async id(): Promise<string> {
    return (JSON.parse(await this.call('GET', '/id', 'cluster id')) as { id: string }).id;
  }

  /** Peers whose liveness metric is current (those the cluster can allocate to now). */
  async livePeers(): Promise<string[]> {
    const metrics = await this.getList<{ peer: string; valid: boolean }>('/monitor/metrics/ping');
    return metrics.filter((m) => m.valid).map((m) => m.peer);
  }

  /** Every pin of the cluster with its replication settings and allocations. */
  async pins(): Promise<ClusterPin[]> {
    const raw = await this.getList<{
      cid: unknown;
      name: string;
      replication_factor_min: number;
      replication_factor_max: number;
      allocations: string[] | null;
      metadata: Record<string, string> | null;
    }>('/allocations?filter=pin');
    return raw.map((p) => ({
      cid: cidText(p.cid),
      name: p.name,
      replicationFactorMin: p.replication_factor_min,
      replicationFactorMax: p.replication_factor_max,
      allocations: p.allocations ?? [],
      metadata: p.metadata ?? {},
    }));
  }

  /** Pins (or updates the pin of) an existing CID with these replication factors. */
  async pin(
    cid: string,
    opts: { min: number; max: number; name?: string; metadata?: Record<string, string> },
  ): Promise<void> {
    const q = new URLSearchParams({
      'replication-min': String(opts.min),
      'replication-max': String(opts.max),
    });
    if (opts.name) q.set('name', opts.name);
    for (const [k, v] of Object.entries(opts.metadata ?? {})) q.set(`meta-${k}`, v);
    await this.call('POST', `/pins/${encodeURIComponent(cid)}?${q}`, 'cluster pin');
  }

  /** GET of a list, answered as a JSON array or as one JSON object per line (streaming). */
  private async getList<T>(path: string): Promise<T[]> {
    const text = (await this.call('GET', path, `cluster ${path}`)).trim();
    if (!text) return [];
    if (text.startsWith('[')) return JSON.parse(text) as T[];
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  }
}

/** Reads a file by CID through a hospital's Kubo node (fetched from its peers when not local). */
export async function kuboCat(org: Hospital, cid: string, timeoutMs = 30000): Promise<Buffer> {
  const url = `http://127.0.0.1:${org.ipfs.apiPort}/api/v0/cat?arg=${encodeURIComponent(cid)}`;
  const res = await check(
    await fetch(url, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) }),
    'kubo cat',
  );
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Runs a hospital's Kubo garbage collection: frees the blocks no pin holds any more (an unpinned
 * file keeps its space until then, and a full repository leaves the cluster no peer to allocate
 * to). Blocks of an add still in progress are not pinned yet: run it when nothing is uploading.
 */
export async function kuboRepoGc(org: Hospital, timeoutMs = 300_000): Promise<void> {
  const url = `http://127.0.0.1:${org.ipfs.apiPort}/api/v0/repo/gc?quiet=true`;
  const res = await check(
    await fetch(url, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) }),
    'kubo repo gc',
  );
  await res.arrayBuffer();
}

/**
 * Streams a file by CID from a hospital's Kubo node (the caller consumes or destroys it; `signal`
 * aborts the request and the stream). node:http, not fetch: a fetch body is a web stream, and
 * turned back into a Node stream it costs promises and copies per chunk of every download.
 */
export function kuboCatStream(org: Hospital, cid: string, signal?: AbortSignal): Promise<Readable> {
  const url = `http://127.0.0.1:${org.ipfs.apiPort}/api/v0/cat?arg=${encodeURIComponent(cid)}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', signal });
    req.on('response', (res) => {
      if (res.statusCode === 200) return resolve(res);
      answerOf(res).then((a) => reject(failure('kubo cat', a)), reject);
    });
    req.on('error', reject);
    req.end();
  });
}
