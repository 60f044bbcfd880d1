// The test ledger must behave as Fabric does, or the other unit tests prove nothing.
import type { TxContext } from '../src/context';
import { MemoryLedger } from './support/memory-ledger';

/** Runs raw stub operations inside one transaction, through a throwaway contract call. */
async function tx(ledger: MemoryLedger, body: (ctx: TxContext) => Promise<unknown>) {
  const l = ledger as unknown as {
    stubFor(txId: string): { stub: TxContext['stub']; finish(): unknown };
  };
  const { stub, finish } = l.stubFor(`raw${Math.random()}`);
  const ctx = { stub, clientIdentity: undefined as never };
  const result = await body(ctx);
  finish();
  return result;
}

const enc = (s: string) => Buffer.from(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString();

describe('MemoryLedger (Fabric behaviour)', () => {
  it('does not let a transaction read its own writes', async () => {
    const ledger = new MemoryLedger();
    const seen = await tx(ledger, async (ctx) => {
      await ctx.stub.putState('k', enc('v'));
      return (await ctx.stub.getState('k')).length;
    });
    expect(seen).toBe(0);
    expect(await tx(ledger, async (ctx) => dec(await ctx.stub.getState('k')))).toBe('v');
  });

  it('scans composite keys in UTF-8 byte order, prefix-bounded', async () => {
    const ledger = new MemoryLedger();
    await tx(ledger, async (ctx) => {
      for (const a of ['b', 'a', '\u{1F600}', '\uFFFD', 'ab']) {
        await ctx.stub.putState(ctx.stub.createCompositeKey('t', ['p', a]), enc(a));
      }
      await ctx.stub.putState(ctx.stub.createCompositeKey('t', ['q', 'a']), enc('other'));
    });
    const got = await tx(ledger, async (ctx) => {
      const out: string[] = [];
      for await (const kv of ctx.stub.getStateByPartialCompositeKey('t', ['p']))
        out.push(dec(kv.value));
      return out;
    });
    // UTF-8 order puts U+FFFD before U+1F600 (UTF-16 code-unit order would not).
    expect(got).toEqual(['a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('pages with a bookmark that is the next key', async () => {
    const ledger = new MemoryLedger();
    await tx(ledger, async (ctx) => {
      for (const a of ['1', '2', '3', '4', '5'])
        await ctx.stub.putState(ctx.stub.createCompositeKey('t', ['p', a]), enc(a));
    });
    const pages: string[][] = [];
    let bookmark = '';
    do {
      const r = await tx(ledger, async (ctx) => {
        const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
          't',
          ['p'],
          2,
          bookmark,
        );
        const vals: string[] = [];
        for (let n = await iterator.next(); !n.done; n = await iterator.next())
          vals.push(dec(n.value.value));
        return { vals, bookmark: metadata.bookmark };
      });
      pages.push((r as { vals: string[] }).vals);
      bookmark = (r as { bookmark: string }).bookmark;
    } while (bookmark);
    expect(pages).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('refuses writes after a paginated query, like the peer', async () => {
    const ledger = new MemoryLedger();
    await expect(
      tx(ledger, async (ctx) => {
        await ctx.stub.getStateByPartialCompositeKeyWithPagination('t', ['p'], 2, '');
        await ctx.stub.putState('k', enc('v'));
      }),
    ).rejects.toThrow(/paginated/);
  });

  it('treats an empty value as a delete and keeps history newest first', async () => {
    const ledger = new MemoryLedger();
    await tx(ledger, async (ctx) => ctx.stub.putState('k', enc('1')));
    ledger.advance(1000);
    await tx(ledger, async (ctx) => ctx.stub.putState('k', enc('2')));
    ledger.advance(1000);
    await tx(ledger, async (ctx) => ctx.stub.putState('k', new Uint8Array(0)));
    expect(ledger.keys()).not.toContain('k');
    const hist = await tx(ledger, async (ctx) => {
      const out: string[] = [];
      for await (const m of ctx.stub.getHistoryForKey('k'))
        out.push(m.isDelete ? 'deleted' : dec(m.value));
      return out;
    });
    expect(hist).toEqual(['deleted', '2', '1']);
  });
});
