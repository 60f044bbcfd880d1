// The CID IPFS Cluster gives a file, computed locally while the file streams to the cluster, so a
// caller can prepare what depends on the CID (the gateway endorses the ledger record) while the
// cluster is still storing and pinning. The DAG is the one the cluster's add builds with
// IpfsClusterClient's parameters (Kubo's and the cluster's defaults): CIDv1, raw leaves of 256 KiB,
// a balanced tree of at most 174 links per node, a single leaf being the file itself.
//
// Each leaf is hashed in place as the bytes pass (SHA-256 over the chunks' own memory: no copy
// into 256 KiB blocks, no block kept); only the small nodes above the leaves are encoded, with the
// IPFS project's codecs (@ipld/dag-pb, ipfs-unixfs, multiformats). A unit test holds the result to
// ipfs-unixfs-importer's for the same layout, and the integration tests to the cluster's.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { CID } from 'multiformats/cid';

/** The add parameters that fix the DAG layout (sent to the cluster and used locally). */
export const ADD_LAYOUT = {
  cidVersion: 1,
  rawLeaves: true,
  chunkSize: 262_144,
  maxChildrenPerNode: 174,
} as const;

/** Query string of a cluster add with ADD_LAYOUT (the cluster's default chunker and layout). */
export const ADD_QUERY = `cid-version=${ADD_LAYOUT.cidVersion}&raw-leaves=${ADD_LAYOUT.rawLeaves}&chunker=size-${ADD_LAYOUT.chunkSize}`;

const RAW = 0x55;
const DAG_PB = 0x70;
const SHA2_256 = 0x12;

/** A node of the DAG: its CID, the file bytes under it, and its cumulative size (Tsize). */
interface DagNode {
  cid: CID;
  fileSize: number;
  tsize: number;
}

// ESM-only packages, loaded on first use (most processes that use this package never compute one).
const codecs = () =>
  Promise.all([
    import('multiformats/cid'),
    import('multiformats/hashes/digest'),
    import('@ipld/dag-pb'),
    import('ipfs-unixfs'),
  ]).then(([{ CID }, digest, dagPb, { UnixFS }]) => ({ CID, digest, dagPb, UnixFS }));
let loaded: ReturnType<typeof codecs> | undefined;

/**
 * Passes bytes through unchanged and computes their CID on the way; `cid` settles once the
 * stream ended (rejects if it is destroyed first).
 */
export class CidStream extends Transform {
  readonly cid: Promise<string>;
  private readonly leaves: { digest: Buffer; size: number }[] = [];
  private leaf: Hash = createHash('sha256');
  private leafSize = 0;
  private flushed = false;
  private settle!: { resolve: (cid: string) => void; reject: (e: Error) => void };

  /** `options`: e.g. a readableHighWaterMark, to let the hashing run ahead of a slower reader. */
  constructor(options?: Pick<TransformOptions, 'readableHighWaterMark'>) {
    super(options);
    loaded ??= codecs();
    this.cid = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.cid.catch(() => undefined);
  }

  private closeLeaf(): void {
    this.leaves.push({ digest: this.leaf.digest(), size: this.leafSize });
    this.leaf = createHash('sha256');
    this.leafSize = 0;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    for (let off = 0; off < chunk.length;) {
      const take = Math.min(ADD_LAYOUT.chunkSize - this.leafSize, chunk.length - off);
      this.leaf.update(chunk.subarray(off, off + take));
      this.leafSize += take;
      off += take;
      if (this.leafSize === ADD_LAYOUT.chunkSize) this.closeLeaf();
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.leafSize > 0 || this.leaves.length === 0) this.closeLeaf();
    this.flushed = true;
    this.root().then(this.settle.resolve, this.settle.reject);
    done();
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    if (err || !this.flushed)
      this.settle.reject(err ?? new Error('the stream was closed before its end'));
    done(err);
  }

  private async root(): Promise<string> {
    const { CID, digest, dagPb, UnixFS } = await loaded!;
    let level: DagNode[] = this.leaves.map((l) => ({
      cid: CID.createV1(RAW, digest.create(SHA2_256, l.digest)),
      fileSize: l.size,
      tsize: l.size,
    }));
    // A single leaf is the file; otherwise parents of up to 174 children, level by level.
    while (level.length > 1) {
      const parents: DagNode[] = [];
      for (let i = 0; i < level.length; i += ADD_LAYOUT.maxChildrenPerNode) {
        const children = level.slice(i, i + ADD_LAYOUT.maxChildrenPerNode);
        const data = new UnixFS({
          type: 'file',
          blockSizes: children.map((c) => BigInt(c.fileSize)),
        });
        const links = children.map((c) => ({ Name: '', Tsize: c.tsize, Hash: c.cid }));
        const block = dagPb.encode(dagPb.prepare({ Data: data.marshal(), Links: links }));
        parents.push({
          cid: CID.createV1(
            DAG_PB,
            digest.create(SHA2_256, createHash('sha256').update(block).digest()),
          ),
          fileSize: children.reduce((n, c) => n + c.fileSize, 0),
          tsize: block.length + children.reduce((n, c) => n + c.tsize, 0),
        });
      }
      level = parents;
    }
    return level[0]!.cid.toString();
  }
}
