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

export function sessionMiddleware(opts: {
  pool: Pool;
  secret: string;
  idleMs: number;
  secure: boolean;
}): RequestHandler {
  const PgStore = connectPgSimple(session);
  return session({
    name: SESSION_COOKIE,
    secret: opts.secret,
    store: new PgStore({ pool: opts.pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: 60 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: { httpOnly: true, sameSite: 'strict', secure: opts.secure, maxAge: opts.idleMs, path: '/' },
  });
}
