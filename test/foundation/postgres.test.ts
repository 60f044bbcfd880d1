// The PostgreSQL server started by the supervisor answers queries; each gateway has its database;
// a wrong password is refused.
import { Client } from 'pg';
import { databaseUrl, ensureDatabase } from '@ehr/network';
import { testNetwork } from '../support';

const net = testNetwork();

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('PostgreSQL', () => {
  it.each(net.hospitals.map((h) => [h.name, h.gateway.database]))(
    '%s gateway database answers a query',
    async (_n, db) => {
      const rows = await query<{ db: string; two: number }>(
        databaseUrl(net, db),
        'SELECT current_database() AS db, 1 + 1 AS two',
      );
      expect(rows).toEqual([{ db, two: 2 }]);
    },
  );

  it('creates a database once (idempotent) and refuses a wrong password', async () => {
    const name = `ehr_test_${Date.now()}`;
    const url = await ensureDatabase(net, name);
    expect(await ensureDatabase(net, name)).toBe(url);
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );
  });

  it("a gateway's role cannot reach another hospital's database nor act as superuser", async () => {
    const [h1, h2] = net.hospitals;
    const other = new URL(databaseUrl(net, h1.gateway.database));
    other.pathname = `/${h2.gateway.database}`;
    await expect(query(other.toString(), 'SELECT 1')).rejects.toThrow(
      /permission denied for database/,
    );
    const rows = await query<{ rolsuper: boolean; rolcreatedb: boolean }>(
      databaseUrl(net, h1.gateway.database),
      'SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows).toEqual([{ rolsuper: false, rolcreatedb: false }]);
  });
});
