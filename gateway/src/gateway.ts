// Assembles one hospital's gateway from its configuration: database (migrated), CA, ledger
// connection, SMS, login throttle, key custody; then the Express app. main.ts runs it as a
// process; integration tests run it in-process against the real services.
import type { Server } from 'node:http';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { Accounts } from './accounts/accounts';
import { DoctorSignup } from './accounts/doctor-signup';
import { LoginService } from './accounts/login';
import { CaptchaAnswerBook } from './auth/captcha';
import { LoginThrottle } from './auth/login-throttle';
import { SignupThrottle } from './auth/signup-throttle';
import { BcryptHasher } from './auth/passwords';
import type { IdentityAuthority } from './ca/authority';
import { FabricCaAuthority } from './ca/fabric-ca';
import type { GatewayConfig } from './config/config';
import { SessionKeyStore } from './custody/session-keys';
import { migrate, openDatabase } from './db/database';
import { buildApp } from './http/app';
import type { GatewayContext } from './http/context';
import { LedgerConnection, type SignedProposalEvent } from './ledger/connection';
import { smsSender } from './sms/sms';
import { ensureBootstrapAdmin } from './accounts/bootstrap';
import { createRecords } from './records';
import { DoctorDirectory } from './directory/doctor-directory';
import { ConsortiumMembers } from './directory/federation/members';
import { RemoteDoctorNames } from './directory/federation/name-cache';
import { FederationServer } from './directory/federation/server';

export interface GatewayOptions {
  log?: Logger;
  /** Replace the CA (unit tests only; integration tests use the real one). */
  ca?: IdentityAuthority;
  onSignedProposal?: (e: SignedProposalEvent) => void;
}

export interface RunningGateway {
  ctx: GatewayContext;
  app: ReturnType<typeof buildApp>;
  listen(port?: number, host?: string): Promise<Server>;
  /** The federation port (network.yaml's; 0: any, for tests); resolves to the port bound. */
  listenFederation(port?: number): Promise<number>;
  close(): Promise<void>;
}

export function gatewayLogger(config: Pick<GatewayConfig, 'logLevel' | 'hospital'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: `gateway-${config.hospital.name.toLowerCase()}` },
    // Defence in depth: even if a secret ends up in a logged object, its value is not written.
    redact: {
      paths: [
        '*.password',
        '*.passwordConfirmation',
        '*.code',
        '*.captchaAnswer',
        '*.privateKey',
        '*.sealedKey',
        '*.passwordHash',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  });
}

export async function createGateway(
  config: GatewayConfig,
  opts: GatewayOptions = {},
): Promise<RunningGateway> {
  if (!config.databaseUrl) throw new Error('the gateway needs DATABASE_URL');
  const log = opts.log ?? gatewayLogger(config);
  const db = openDatabase(config.databaseUrl, log);
  await migrate(db, log);
  const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
  pool.on('error', (e) => log.warn({ err: e.message }, 'database pool error'));

  const hasher = new BcryptHasher(config.bcryptCost);
  const ca = opts.ca ?? new FabricCaAuthority(config.network, config.hospital);
  const accounts = new Accounts(db, hasher, ca, config.keyPepper, config.hospital.mspId);
  const throttle = new LoginThrottle(pool, config.login);
  const sms = smsSender(config.twilio, config.smsSinkFile);
  const keys = new SessionKeyStore(config.sessionIdleMs);
  const ledger = new LedgerConnection(config.ledger, opts.onSignedProposal);
  const ctx: GatewayContext = {
    config,
    log,
    db,
    pool,
    hasher,
    accounts,
    login: new LoginService(db, accounts, hasher, throttle, config.keyPepper),
    doctorSignup: new DoctorSignup(
      db,
      accounts,
      sms,
      config.keyPepper,
      config.otp,
      config.hospital.displayName ?? config.hospital.name,
    ),
    signupThrottle: new SignupThrottle(pool, config.signupPerHour),
    captchas: config.devEndpoints ? new CaptchaAnswerBook() : undefined,
    keys,
    sms,
    ca,
    ledger,
  };
  await ensureBootstrapAdmin(ctx);
  ctx.directory = new DoctorDirectory(ctx);
  const members = new ConsortiumMembers(config);
  ctx.remoteNames = new RemoteDoctorNames(ctx, members);
  const federation = new FederationServer(ctx, members);
  ctx.records = createRecords(ctx);
  const stopKeyRegistration = ctx.records.registerKeyInBackground();
  ctx.records.orphanPins.start();
  const app = buildApp(ctx);
  let server: Server | undefined;

  return {
    ctx,
    app,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
        server = s;
      }),
    listenFederation: (port) => federation.listen(port),
    close: async () => {
      stopKeyRegistration();
      await ctx.records?.orphanPins.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await federation.close();
      await ctx.remoteNames?.close();
      await ctx.directory?.close();
      (app.locals.closeSessions as () => void)();
      await (app.locals.closeAudit as () => Promise<void>)();
      keys.close();
      ledger.close();
      await pool.end();
      await db.close();
    },
  };
}
