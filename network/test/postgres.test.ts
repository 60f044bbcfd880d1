import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '../src/config';
import { databaseUrl, libpqDatasource, postgresPaths, postgresService } from '../src/postgres';

describe('postgres configuration', () => {
  let dataDir: string;
  const saved = process.env.DATABASE_URL;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ehr-pg-'));
    delete process.env.DATABASE_URL;
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  it('gives each database its own role and password, generated once and kept 0600', () => {
    const net = loadNetwork({ dataDir, portOffset: 3 }); // explicit: npm test may set EHR_PORT_OFFSET
    const a = new URL(databaseUrl(net, 'ehr_hospital1'));
    const b = new URL(databaseUrl(net, 'ehr_hospital2'));
    expect(a.port).toBe(String(net.postgres.port));
    expect(net.postgres.port).toBe(loadNetwork({ dataDir, portOffset: 0 }).postgres.port + 3);
    expect(a.pathname).toBe('/ehr_hospital1');
    expect(a.username).toBe('ehr_hospital1');
    expect(b.username).toBe('ehr_hospital2');
    expect(a.password.length).toBeGreaterThanOrEqual(32);
    expect(b.password).not.toBe(a.password);
    expect(new URL(databaseUrl(net, 'ehr_hospital1')).password).toBe(a.password);
    expect(statSync(join(postgresPaths(net).root, 'roles', 'ehr_hospital1')).mode & 0o777).toBe(
      0o600,
    );
  });

  it('uses DATABASE_URL when set: same server and credentials, own database, no local process', async () => {
    process.env.DATABASE_URL = 'postgres://app:s3cret@db.example:6543/main?sslmode=require';
    const net = loadNetwork({ dataDir });
    const url = new URL(databaseUrl(net, 'ehr_hospital2'));
    expect(url.host).toBe('db.example:6543');
    expect(url.username).toBe('app');
    expect(url.password).toBe('s3cret');
    expect(url.pathname).toBe('/ehr_hospital2');
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(await postgresService(net).process()).toBeNull();
  });

  it('gives fabric-ca-server the same connection in key=value form, refusing unquotable values', () => {
    const net = loadNetwork({ dataDir, portOffset: 0 });
    const url = new URL(databaseUrl(net, 'fabric_ca_hospital1'));
    expect(libpqDatasource(net, 'fabric_ca_hospital1')).toBe(
      `host=127.0.0.1 port=${net.postgres.port} user=fabric_ca_hospital1 password=${url.password} dbname=fabric_ca_hospital1 sslmode=disable`,
    );
    process.env.DATABASE_URL = 'postgres://app:with%20space@db.example/main';
    expect(() => libpqDatasource(net, 'fabric_ca_hospital1')).toThrow(/must not contain spaces/);
    process.env.DATABASE_URL = 'postgres://app:s3cret@db.example/main';
    expect(libpqDatasource(net, 'fabric_ca_hospital1')).toContain('sslmode=require');
  });

  it('refuses database names that are not plain identifiers', () => {
    const net = loadNetwork({ dataDir });
    expect(() => databaseUrl(net, 'x"; DROP DATABASE y; --')).toThrow(/invalid database name/);
    expect(() => databaseUrl(net, 'Hospital1')).toThrow(/invalid database name/);
  });
});
