// Sessions in PostgreSQL (express-session + connect-pg-simple over migrations' `session` table).
// The cookie is httpOnly, SameSite=Strict, Secure in production; `rolling` renews its expiry on
// every request, so a session ends after `idleMs` without activity (automatic logoff).
import type { RequestHandler } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type { Pool } from 'pg';
import type { PendingCaptcha } from '../auth/captcha';
import type { Role } from '../db/models';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    role: Role;
    captcha: PendingCaptcha;
  }
}

export const SESSION_COOKIE = 'ehr.sid';

export interface Sessions {
  middleware: RequestHandler;
  /** Stops the store's pruning timer (before the pool is ended). */
  close(): void;
}

export function sessionMiddleware(opts: {
  pool: Pool;
  secret: string;
  idleMs: number;
  secure: boolean;
}): Sessions {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool: opts.pool,
    tableName: 'session',
    createTableIfMissing: false,
    pruneSessionInterval: 60,
  });
  const middleware = session({
    name: SESSION_COOKIE,
    secret: opts.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      secure: opts.secure,
      maxAge: opts.idleMs,
      path: '/',
    },
  });
  return { middleware, close: () => store.close() };
}
