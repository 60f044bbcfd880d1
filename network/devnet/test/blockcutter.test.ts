import { BlockCutter, type BatchSettings } from '../src/orderer/blockcutter';

const settings: BatchSettings = {
  maxMessageCount: 3,
  preferredMaxBytes: 100,
  absoluteMaxBytes: 1000,
  batchTimeoutMs: 50,
};
const msg = (id: string, size: number) => ({ id, size });

function cutter(s: BatchSettings = settings) {
  const batches: string[][] = [];
  const c = new BlockCutter<{ id: string; size: number }>(s, (b) =>
    batches.push(b.map((m) => m.id)),
  );
  return { c, batches };
}

describe('block cutter (Fabric blockcutter semantics)', () => {
  it('cuts at MaxMessageCount', () => {
    const { c, batches } = cutter();
    for (const id of ['a', 'b', 'c', 'd']) c.order(msg(id, 1));
    expect(batches).toEqual([['a', 'b', 'c']]);
    c.stop();
  });

  it('cuts before a message that would pass PreferredMaxBytes', () => {
    const { c, batches } = cutter();
    c.order(msg('a', 60));
    c.order(msg('b', 60));
    expect(batches).toEqual([['a']]);
    c.stop();
  });

  it('puts a message larger than PreferredMaxBytes in a block of its own', () => {
    const { c, batches } = cutter();
    c.order(msg('a', 10));
    c.order(msg('big', 500));
    c.order(msg('b', 10));
    expect(batches).toEqual([['a'], ['big']]);
    c.stop();
  });

  it('cuts a pending batch when BatchTimeout has passed since its first message', async () => {
    const { c, batches } = cutter();
    c.order(msg('a', 1));
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(batches).toEqual([['a']]);
    c.stop();
  });
});
