// Other member hospitals' doctors' names as their gateways last told this one (directory/
// federation): professional identity only, so this hospital's portal can name them while that
// gateway is down. Kept up to date by the cache (refreshed, forgotten after a maximum age or when
// the ledger no longer lists the doctor as active); never on the ledger.
import type { QueryInterface } from 'sequelize';

export const name = '0003-remote-doctor-names';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`
    CREATE TABLE remote_doctor_names (
      doctor_id text PRIMARY KEY,
      msp_id text NOT NULL,
      display_name text NOT NULL,
      specialty text,
      fetched_at timestamptz NOT NULL,
      CHECK (starts_with(doctor_id, msp_id || '/'))
    );
    CREATE INDEX remote_doctor_names_msp ON remote_doctor_names (msp_id);
  `);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`DROP TABLE remote_doctor_names;`);
}
