// The gateway's PostgreSQL: one Sequelize instance, schema changes as umzug migrations that run
// at every start (already-applied ones are skipped; the table SequelizeMeta records them).
import { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from 'pino';
import * as m0001 from './migrations/0001-identity';
import * as m0002 from './migrations/0002-anchor-verifications';
import { defineModels, type Models } from './models';

const MIGRATIONS = [m0001, m0002];

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
  const applied = await umzug.up();
  if (applied.length) log?.info({ migrations: applied.map((a) => a.name) }, 'database migrated');
  return applied.map((a) => a.name);
}
