// The gateway's PostgreSQL: one Sequelize instance, schema changes as umzug migrations that run
// at every start (already-applied ones are skipped; the table SequelizeMeta records them).
import { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from 'pino';
import * as m0001 from './migrations/0001-identity';
import * as m0002 from './migrations/0002-anchor-verifications';
import * as m0003 from './migrations/0003-remote-doctor-names';
import * as m0004 from './migrations/0004-orphan-pins';
import { defineModels, type Models } from './models';

const MIGRATIONS = [m0001, m0002, m0003, m0004];
/** pg_advisory_xact_lock key held while migrating (any constant; it names this purpose). */
const MIGRATION_LOCK_KEY = 0x65_68_72_4d; // "ehrM"

export interface Database {
  sequelize: Sequelize;
  models: Models;
  close(): Promise<void>;
}

export function openDatabase(url: string, log?: Logger): Database {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: 10, min: 0, idle: 10_000 },
  });
  const models = defineModels(sequelize);
  log?.debug('database opened');
  return { sequelize, models, close: () => sequelize.close() };
}

export async function migrate(db: Database, log?: Logger): Promise<string[]> {
  const umzug = new Umzug({
    migrations: MIGRATIONS.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: db.sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db.sequelize }),
    logger: undefined,
  });
  // Two gateway processes of one hospital may start together (a restart overlapping the old
  // process, or replicas): the first migrates, the others wait on a transaction-scoped
  // advisory lock and then find nothing left to apply.
  const applied = await db.sequelize.transaction(async (transaction) => {
    await db.sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
      replacements: { key: MIGRATION_LOCK_KEY },
      transaction,
    });
    return umzug.up();
  });
  if (applied.length) log?.info({ migrations: applied.map((a) => a.name) }, 'database migrated');
  return applied.map((a) => a.name);
}
