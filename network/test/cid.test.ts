// CidStream against the reference DAG builder of the IPFS project (ipfs-unixfs-importer) with the
// layout the cluster's add uses: the same CID for files of one leaf, of several, exactly on a leaf
// boundary, and of two levels (more than 174 leaves), however the bytes are chunked on the way.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ADD_LAYOUT, CidStream } from '../src/ipfs/cid';

async function reference(data: Buffer): Promise<string> {
  const { importer } = await import('ipfs-unixfs-importer');
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker');
  const { balanced } = await import('ipfs-unixfs-importer/layout');
  const blocks = {
    put: async (cid: unknown) => cid,
    get: () => Promise.reject(new Error('none')),
    has: async () => false,
  };
  let root = '';
  for await (const e of importer([{ content: [data] }], blocks as never, {
    cidVersion: ADD_LAYOUT.cidVersion,
    rawLeaves: ADD_LAYOUT.rawLeaves,
    chunker: fixedSize({ chunkSize: ADD_LAYOUT.chunkSize }),
    layout: balanced({ maxChildrenPerNode: ADD_LAYOUT.maxChildrenPerNode }),
    reduceSingleLeafToSelf: true,
  })) {
    root = e.cid.toString();
  }
  return root;
}

async function streamed(data: Buffer, chunk: number): Promise<{ cid: string; passed: Buffer }> {
  const s = new CidStream();
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(
      (function* () {
        for (let o = 0; o < data.length; o += chunk) yield data.subarray(o, o + chunk);
      })(),
    ),
    s,
    new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
  );
  return { cid: await s.cid, passed: Buffer.concat(out) };
}

const LEAF = ADD_LAYOUT.chunkSize;

describe('CidStream', () => {
  it.each([
    ['one byte', 1, 7],
    ['under one leaf', 100_000, 65_552],
    ['exactly one leaf', LEAF, 65_552],
    ['one leaf and a byte', LEAF + 1, 4096],
    ['several leaves, odd chunks', 3 * LEAF + 12_345, 65_552],
    ['exactly 174 leaves', 174 * LEAF, 1_000_003],
    ['two levels (175 leaves and a bit)', 175 * LEAF + 17, 1_048_576],
  ])(
    '%s: the CID the IPFS importer gives, and the bytes passed through unchanged',
    async (_what, size, chunk) => {
      const data = randomBytes(size);
      const { cid, passed } = await streamed(data, chunk);
      expect(cid).toBe(await reference(data));
      expect(passed.equals(data)).toBe(true);
    },
    60_000,
  );

  it('has no CID when destroyed before its end', async () => {
    const s = new CidStream();
    s.on('error', () => undefined);
    s.write(Buffer.alloc(10));
    s.destroy(new Error('stopped'));
    await expect(s.cid).rejects.toThrow('stopped');
  });
});
