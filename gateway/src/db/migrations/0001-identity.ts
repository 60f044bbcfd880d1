// Accounts, the government-ID registry, one-time codes, login audit, sessions and the login
// throttle's counters. Names, phones and e-mails live here only, never on the ledger.
import type { QueryInterface } from 'sequelize';

export const name = '0001-identity';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      role text NOT NULL CHECK (role IN ('patient', 'doctor', 'admin', 'auditor')),
      username text NOT NULL,
      email text NOT NULL,
      full_name text NOT NULL,
      address text,
      phone text,
      gov_id text,
      specialty text,
      password_hash text NOT NULL,
      -- Fabric identity: the enrolment certificate (public) and the private key sealed under
      -- a key derived from the user's password and the server's pepper (see custody/).
      enrollment_id text NOT NULL,
      certificate text NOT NULL,
      sealed_key jsonb NOT NULL,
      disabled_at timestamptz,
      last_login_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_username_key ON users (lower(username));
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));
    CREATE UNIQUE INDEX users_gov_id_key ON users (gov_id) WHERE gov_id IS NOT NULL;
    CREATE UNIQUE INDEX users_enrollment_id_key ON users (enrollment_id);

    CREATE TABLE gov_registry (
      gov_id text PRIMARY KEY,
      full_name text NOT NULL,
      phone text NOT NULL,
      specialty text NOT NULL,
      imported_at timestamptz NOT NULL DEFAULT now(),
      imported_by uuid REFERENCES users(id)
    );

    CREATE TABLE otp_challenges (
      id uuid PRIMARY KEY,
      gov_id text NOT NULL REFERENCES gov_registry(gov_id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX otp_challenges_gov_id_created ON otp_challenges (gov_id, created_at);

    CREATE TABLE login_audit (
      id bigserial PRIMARY KEY,
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL,
      role text,
      ip text NOT NULL,
      outcome text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX login_audit_user_created ON login_audit (user_id, created_at);

    -- connect-pg-simple's schema.
    CREATE TABLE session (
      sid varchar NOT NULL PRIMARY KEY,
      sess json NOT NULL,
      expire timestamp(6) NOT NULL
    );
    CREATE INDEX session_expire ON session (expire);

    -- rate-limiter-flexible's schema (RateLimiterPostgres with tableCreated: true).
    CREATE TABLE login_throttle (
      key varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    );
  `);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`
    DROP TABLE login_throttle; DROP TABLE session; DROP TABLE login_audit;
    DROP TABLE otp_challenges; DROP TABLE gov_registry; DROP TABLE users;
  `);
}
