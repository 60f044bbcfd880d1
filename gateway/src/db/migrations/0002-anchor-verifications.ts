// The auditors' verify runs (POST /audit/verify): the portal shows the newest one, so it is kept
// across restarts. One row per run, who ran it and what the check found; never updated.
import type { QueryInterface } from 'sequelize';

export const name = '0002-anchor-verifications';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`
    CREATE TABLE anchor_verifications (
      id bigserial PRIMARY KEY,
      channel text NOT NULL,
      ok boolean NOT NULL,
      checked_at timestamptz NOT NULL,
      checked_by uuid REFERENCES users(id) ON DELETE SET NULL,
      ledger_height bigint NOT NULL,
      blocks_checked bigint NOT NULL,
      anchors_matched integer NOT NULL,
      anchors_checked integer NOT NULL,
      problem_count integer NOT NULL,
      first_mismatch_block bigint,
      first_mismatch text,
      CHECK ((first_mismatch IS NULL) = (first_mismatch_block IS NULL))
    );
    CREATE INDEX anchor_verifications_channel_checked ON anchor_verifications (channel, checked_at DESC, id DESC);
  `);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`DROP TABLE anchor_verifications;`);
}
