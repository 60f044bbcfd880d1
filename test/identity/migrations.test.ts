// The gateway's schema migrations on the real PostgreSQL: two gateway processes starting at once
// on a fresh database both come up, and the migrations are applied exactly once.
import { ensureDatabase } from '@ehr/network';
import { migrate, openDatabase } from '@ehr/gateway';
import { testNetwork } from '../support';

const net = testNetwork();

test('two gateways migrating one fresh database at the same time: one applies, one waits and finds nothing to do', async () => {
  const url = await ensureDatabase(net, `ehr_migrate_${Date.now()}`);
  const [a, b] = [openDatabase(url), openDatabase(url)];
  try {
    const results = await Promise.all([migrate(a), migrate(b)]);
    const applied = results.flat();
    expect(applied.length).toBeGreaterThan(0);
    // Each migration once, by exactly one of the two.
    expect(new Set(applied).size).toBe(applied.length);
    expect(results.filter((r) => r.length === 0)).toHaveLength(1);
    const [rows] = await a.sequelize.query('SELECT name FROM "SequelizeMeta" ORDER BY name');
    expect((rows as { name: string }[]).map((r) => r.name)).toEqual([...applied].sort());
    // A later start applies nothing.
    expect(await migrate(a)).toEqual([]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
