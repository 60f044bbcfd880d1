// Files an upload stored in IPFS Cluster that the ledger may not reference (records/orphan-pins):
// its ledger write failed and the unpin failed too, or the write's outcome is not known yet
// (transaction_id set). Each row stays until the sweeper unpinned the file or the ledger showed
// the record committed after all.
import type { QueryInterface } from 'sequelize';

export const name = '0004-orphan-pins';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`
    CREATE TABLE orphan_pins (
      cid text PRIMARY KEY,
      record_id text NOT NULL,
      reason text NOT NULL,
      transaction_id text,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      next_attempt_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX orphan_pins_due ON orphan_pins (next_attempt_at);
  `);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`DROP TABLE orphan_pins;`);
}
