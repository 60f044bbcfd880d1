// The CID IPFS Cluster gives a file, computed locally while the file streams to the cluster, so a
// caller can prepare what depends on the CID (the gateway endorses the ledger record) while the
// cluster is still storing and pinning. The layout must be the one the cluster's add builds with
// IpfsClusterClient's parameters: CIDv1, raw leaves, 256 KiB fixed-size chunks, a balanced DAG of
// at most 174 links per node, a single leaf being the file itself (Kubo's and the cluster's
// defaults). ipfs-unixfs-importer builds that DAG; its blocks are hashed and dropped, never kept.
import { Transform, type TransformCallback } from 'node:stream';

/** The add parameters that fix the DAG layout (sent to the cluster and used locally). */
export const ADD_LAYOUT = {
  cidVersion: 1,
  rawLeaves: true,
  chunkSize: 262_144,
  maxChildrenPerNode: 174,
} as const;

/** Query string of a cluster add with ADD_LAYOUT (the cluster's default chunker and layout). */
export const ADD_QUERY = `cid-version=${ADD_LAYOUT.cidVersion}&raw-leaves=${ADD_LAYOUT.rawLeaves}&chunker=size-${ADD_LAYOUT.chunkSize}`;

/** Blocks are only hashed: the importer's store keeps nothing. */
const discard = {
  put: async (cid: unknown) => cid,
  get: () => Promise.reject(new Error('no block is kept')),
  has: async () => false,
};

/**
 * Passes bytes through unchanged and computes their CID on the way (`cid` settles once the
 * stream ended). Each chunk is passed on only once the DAG builder took it, so a slow builder
 * slows the stream instead of queueing it in memory.
 */
export class CidStream extends Transform {
  readonly cid: Promise<string>;
  private readonly queue: { chunk: Buffer | null; taken: () => void }[] = [];
  private wake: (() => void) | undefined;
  private failed: Error | undefined;

  constructor() {
    super();
    this.cid = this.build();
    this.cid.catch((e: unknown) => this.destroy(e as Error));
  }

  private async build(): Promise<string> {
    const queue = this.queue;
    const next = async (): Promise<Buffer | null> => {
      while (queue.length === 0) {
        if (this.failed) throw this.failed;
        await new Promise<void>((r) => (this.wake = r));
      }
      const { chunk, taken } = queue.shift()!;
      taken();
      return chunk;
    };
    async function* content(): AsyncGenerator<Uint8Array> {
      for (let c = await next(); c !== null; c = await next()) yield c;
    }
    // Loaded on first use: most processes that use this package never compute a CID.
    const [{ importer }, { fixedSize }, { balanced }] = await Promise.all([
      import('ipfs-unixfs-importer'),
      import('ipfs-unixfs-importer/chunker'),
      import('ipfs-unixfs-importer/layout'),
    ]);
    let root: string | undefined;
    for await (const entry of importer([{ content: content() }], discard as never, {
      cidVersion: ADD_LAYOUT.cidVersion,
      rawLeaves: ADD_LAYOUT.rawLeaves,
      chunker: fixedSize({ chunkSize: ADD_LAYOUT.chunkSize }),
      layout: balanced({ maxChildrenPerNode: ADD_LAYOUT.maxChildrenPerNode }),
      reduceSingleLeafToSelf: true,
      wrapWithDirectory: false,
    })) {
      root = entry.cid.toString();
    }
    if (!root) throw new Error('no CID was computed');
    return root;
  }

  private give(chunk: Buffer | null, taken: () => void): void {
    this.queue.push({ chunk, taken });
    this.wake?.();
    this.wake = undefined;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.give(chunk, () => done(null, chunk));
  }

  override _flush(done: TransformCallback): void {
    this.give(null, () => done());
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    // A stream stopped early has no CID: the builder stops waiting for bytes.
    this.failed = err ?? new Error('the stream was closed before its end');
    this.wake?.();
    done(err);
  }
}
