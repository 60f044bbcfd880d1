// The auditor's API on the real stack: each hospital's gateway process (as `npm start` runs it)
// reads the anchors the stack's anchoring service wrote to Anvil, verifies its own peer's blocks
// against them, serves the facts behind the local explorer links (the portal's pages), and the
// overview of the portal's auditor page: coverage from its own peer's height, and the last
// verification, kept in its database across a restart. Auditors only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hospital } from '@ehr/network';
import { dataPaths } from '@ehr/network';
import { testCli, testNetwork, testStackStatus, waitFor } from '../support';
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

/** The portal's explorer page of a link (checked above) and the API route it reads. */
const apiPathOf = (url: string) =>
  new URL(url).pathname.replace(/^\/portal\/auditor\/ethereum\//, '/audit/ethereum/');

interface Coverage {
  ledgerHeight: number;
  lastAnchoredBlock: number;
  blocksNotAnchored: number;
}

/** `anchor once` (the CLI, as the first hospital's anchorer): the newest block gets anchored. */
async function anchorNow(): Promise<void> {
  const r = await testCli(['anchor', 'once']);
  expect(r.code).toBe(0);
  // Either this run anchored the newest block, or the stack's anchoring service got there first.
  expect(r.stdout).toMatch(/anchored block \d+ 0x[0-9a-f]{64}: http|nothing to anchor/);
}

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
      expect(a.explorerUrl).toBe(`${gatewayUrl(h)}/portal/auditor/ethereum/tx/${a.ethTxHash}`);
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
    const tx = await auditor.get(apiPathOf(anchor.explorerUrl));
    expect(tx.status).toBe(200);
    expect(tx.json).toMatchObject({ hash: anchor.ethTxHash, status: 'success' });
    expect(tx.json.anchors).toContainEqual(
      expect.objectContaining({
        channel: net.channel,
        blockNumber: String(anchor.blockNumber),
        headerHash: anchor.headerHash,
      }),
    );

    const block = await auditor.get(apiPathOf(tx.json.links.block));
    expect(block.status).toBe(200);
    expect(block.json.number).toBe(tx.json.blockNumber);
    expect(block.json.transactions.map((t: { hash: string }) => t.hash)).toContain(
      anchor.ethTxHash,
    );

    const anchorer = await auditor.get(apiPathOf(tx.json.links.from));
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
        ['GET', '/audit/overview'],
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
  it('gives the overview: the anchors with their links, the contract and the coverage', async () => {
    const r = await auditor.get('/audit/overview');
    expect(r.status).toBe(200);
    const o = r.json;
    expect(o).toMatchObject({ channel: net.channel, chain: { kind: 'local' } });
    expect(o.chain.explorerUrl).toBe(`${gatewayUrl(h)}/portal/auditor/ethereum`);
    expect(o.contract.explorerUrl).toBe(`${o.chain.explorerUrl}/address/${o.contract.address}`);
    expect(o.anchors.length).toBeGreaterThan(0);
    for (const a of o.anchors) {
      expect(a.explorerUrl).toBe(`${o.chain.explorerUrl}/tx/${a.ethTxHash}`);
      expect(net.hospitals.map((x) => x.mspId)).toContain(a.member);
    }
    const c = o.coverage as Coverage;
    expect(c.lastAnchoredBlock).toBe(o.anchors[0].blockNumber);
    expect(c.ledgerHeight).toBeGreaterThan(c.lastAnchoredBlock);
    expect(c.blocksNotAnchored).toBe(c.ledgerHeight - 1 - c.lastAnchoredBlock);
  });

  it('counts blocks written after the newest anchor as not anchored, and 0 once anchored', async () => {
    const coverage = async () => (await auditor.get('/audit/overview')).json.coverage as Coverage;
    await anchorNow();
    // This peer may commit the anchored block a moment after the first hospital's.
    const anchored = await waitFor('no block left unanchored', async () => {
      const c = await coverage();
      return c.blocksNotAnchored === 0 ? c : undefined;
    });
    expect(anchored.lastAnchoredBlock).toBe(anchored.ledgerHeight - 1);

    // Two ledger transactions through this gateway: a patient grants the other hospital access,
    // then revokes it. The anchoring service waits for 10 blocks or 5 minutes after the newest
    // anchor, so these stay unanchored until the next `anchor once`.
    const patient = await login(h, 'patient');
    const other = net.hospitals.find((x) => x !== h)!;
    const grant = await patient.request('POST', '/consents', {
      json: { grantee: { type: 'hospital', mspId: other.mspId }, scope: { type: 'all' } },
    });
    expect(grant.status).toBe(201);
    const revoke = await patient.request('DELETE', `/consents/${grant.json.grantId}`);
    expect(revoke.status).toBe(204);
    const written = await coverage();
    expect(written.lastAnchoredBlock).toBe(anchored.lastAnchoredBlock);
    expect(written.ledgerHeight).toBeGreaterThanOrEqual(anchored.ledgerHeight + 2);
    expect(written.blocksNotAnchored).toBe(written.ledgerHeight - anchored.ledgerHeight);

    await anchorNow();
    const again = await waitFor('the new blocks anchored', async () => {
      const c = await coverage();
      return c.blocksNotAnchored === 0 ? c : undefined;
    });
    expect(again.lastAnchoredBlock).toBeGreaterThanOrEqual(written.ledgerHeight - 1);
  });

  it('keeps the last verification, by whom, across a restart of the gateway', async () => {
    const asked = new Date();
    const verified = await auditor.request('POST', '/audit/verify');
    expect(verified.status).toBe(200);
    const last = (await auditor.get('/audit/overview')).json.lastVerification;
    const who = demo(h, 'auditor');
    expect(last).toMatchObject({
      ok: true,
      checkedBy: { username: who.username, fullName: expect.stringContaining('Auditor') },
      blocksChecked: verified.json.blocksChecked,
      ledgerHeight: verified.json.blocksChecked,
      anchorsMatched: verified.json.anchorsChecked,
      anchorsChecked: verified.json.anchorsChecked,
    });
    expect(last.firstMismatch).toBeUndefined();
    expect(new Date(last.checkedAt).getTime()).toBeGreaterThanOrEqual(asked.getTime());

    // The supervisor restarts a gateway that dies, as in production.
    const name = `gateway-${h.name.toLowerCase()}`;
    const before = (await testStackStatus())!.services.find((s) => s.name === name)!;
    expect(before.state).toBe('running');
    process.kill(before.pid!, 'SIGKILL');
    await waitFor(
      `${name} to run again`,
      async () => {
        const s = (await testStackStatus())?.services.find((x) => x.name === name);
        return s?.state === 'running' && s.pid !== before.pid;
      },
      180_000,
    );
    // Signing keys live in the gateway's memory: a restart ends every session.
    const stale = await auditor.get('/audit/overview');
    expect([stale.status, stale.json.code]).toEqual([401, 'SESSION_EXPIRED']);
    auditor = await login(h, 'auditor');
    const after = await auditor.get('/audit/overview');
    expect(after.status).toBe(200);
    expect(after.json.lastVerification).toEqual(last);
  });
});
