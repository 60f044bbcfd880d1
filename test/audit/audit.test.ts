// The auditor's API on the real stack: each hospital's gateway process (as `npm start` runs it)
// reads the anchors the stack's anchoring service wrote to Anvil, verifies its own peer's blocks
// against them, and serves the local explorer pages its links point to. Auditors only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hospital } from '@ehr/network';
import { dataPaths } from '@ehr/network';
import { testNetwork, waitFor } from '../support';
import { Session } from '../records/session';

const net = testNetwork();

interface DemoLogin {
  role: string;
  username: string;
  password: string;
}

const gatewayUrl = (h: Hospital) => `http://127.0.0.1:${h.gateway.port}`;

function demo(h: Hospital, role: string): DemoLogin {
  const logins = JSON.parse(
    readFileSync(join(dataPaths(net).gateway(h), 'demo-logins.json'), 'utf8'),
  ) as DemoLogin[];
  const l = logins.find((x) => x.role === role);
  if (!l) throw new Error(`no demo ${role} at ${h.name}`);
  return l;
}

const login = (h: Hospital, role: string) => {
  const l = demo(h, role);
  return new Session(gatewayUrl(h)).login(l.role, l.username, l.password);
};

/** The explorer links name this gateway (checked above); the session asks their path. */
const pathOf = (url: string) => new URL(url).pathname;

describe.each(net.hospitals.map((h) => [h.name, h] as const))('the auditor at %s', (_name, h) => {
  let auditor: Session;

  beforeAll(async () => {
    auditor = await login(h, 'auditor');
    // The anchoring service anchors once at start; wait for it rather than assume it.
    await waitFor(
      'a first anchor',
      async () => ((await auditor.get('/audit/anchors')).json?.items?.length ?? 0) > 0,
    );
  });

  it('lists the anchors newest first, each linked to this gateway’s own explorer page', async () => {
    const r = await auditor.get('/audit/anchors');
    expect(r.status).toBe(200);
    const items = r.json.items as {
      channel: string;
      blockNumber: number;
      ethTxHash: string;
      explorerUrl: string;
      headerHash: string;
    }[];
    expect(items.length).toBeGreaterThan(0);
    for (const a of items) {
      expect(a.channel).toBe(net.channel);
      expect(a.headerHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(a.explorerUrl).toBe(`${gatewayUrl(h)}/audit/ethereum/tx/${a.ethTxHash}`);
    }
    const numbers = items.map((a) => a.blockNumber);
    expect(numbers).toEqual([...numbers].sort((x, y) => y - x));
  });

  it('runs verify on its own peer: every block checked, every anchor matched', async () => {
    const anchors = (await auditor.get('/audit/anchors')).json.items.length as number;
    const r = await auditor.request('POST', '/audit/verify');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, problems: [] });
    expect(r.json.blocksChecked).toBeGreaterThan(0);
    expect(r.json.anchorsChecked).toBeGreaterThanOrEqual(anchors);
  });

  it('answers concurrent verify requests, each with the report', async () => {
    const [a, b] = await Promise.all([
      auditor.request('POST', '/audit/verify'),
      auditor.request('POST', '/audit/verify'),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.json).toEqual(b.json);
  });

  it('serves the local explorer pages behind the links: transaction, block, anchorer, contract', async () => {
    const [anchor] = (await auditor.get('/audit/anchors')).json.items;
    const tx = await auditor.get(pathOf(anchor.explorerUrl));
    expect(tx.status).toBe(200);
    expect(tx.json).toMatchObject({ hash: anchor.ethTxHash, status: 'success' });
    expect(tx.json.anchors).toContainEqual(
      expect.objectContaining({
        channel: net.channel,
        blockNumber: String(anchor.blockNumber),
        headerHash: anchor.headerHash,
      }),
    );

    const block = await auditor.get(pathOf(tx.json.links.block));
    expect(block.status).toBe(200);
    expect(block.json.number).toBe(tx.json.blockNumber);
    expect(block.json.transactions.map((t: { hash: string }) => t.hash)).toContain(
      anchor.ethTxHash,
    );

    const anchorer = await auditor.get(pathOf(tx.json.links.from));
    expect(anchorer.status).toBe(200);
    expect(anchorer.json).toMatchObject({
      isAnchorContract: false,
      anchorsFor: tx.json.anchors[0].member,
    });

    const contract = await auditor.get(`/audit/ethereum/address/${tx.json.to}`);
    expect(contract.status).toBe(200);
    expect(contract.json.isAnchorContract).toBe(true);
    expect(contract.json.codeSize).toBeGreaterThan(0);
    expect(contract.json.owner).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it('answers an unknown transaction 404 and a malformed one 400', async () => {
    const unknown = await auditor.get(`/audit/ethereum/tx/0x${'00'.repeat(32)}`);
    expect([unknown.status, unknown.json.code]).toEqual([404, 'NOT_FOUND']);
    const bad = await auditor.get('/audit/ethereum/tx/0x1234');
    expect([bad.status, bad.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it.each(['admin', 'doctor', 'patient'])(
    'refuses the %s (FORBIDDEN_ROLE) on every auditor route',
    async (role) => {
      const s = await login(h, role);
      const [anchor] = (await auditor.get('/audit/anchors')).json.items;
      for (const [method, path] of [
        ['GET', '/audit/anchors'],
        ['POST', '/audit/verify'],
        ['GET', `/audit/ethereum/tx/${anchor.ethTxHash}`],
        ['GET', '/audit/ethereum/block/1'],
        ['GET', `/audit/ethereum/address/0x${'11'.repeat(20)}`],
      ] as const) {
        const r = await s.request(method, path);
        expect([method, path, r.status, r.json.code]).toEqual([
          method,
          path,
          403,
          'FORBIDDEN_ROLE',
        ]);
      }
    },
  );

  it('refuses a caller without a session', async () => {
    const r = await new Session(gatewayUrl(h)).get('/audit/anchors');
    expect([r.status, r.json.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
