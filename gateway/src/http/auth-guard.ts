// Who is calling: the session's user, re-read from the database on every request (a disabled
// account stops at once), and the signing key this session unlocked at login.
import type { Request, RequestHandler } from 'express';
import { CodedError } from '@ehr/common';
import type { Role, User } from '../db/models';
import type { UserLedger } from '../ledger/connection';
import type { GatewayContext } from './context';

export interface Caller {
  user: User;
  /** The ledger, signed as this user. */
  ledger: UserLedger;
}

const CALLER = Symbol('caller');
type WithCaller = Request & { [CALLER]?: Caller };

export function caller(req: Request): Caller {
  const c = (req as WithCaller)[CALLER];
  if (!c) throw new CodedError('UNAUTHENTICATED');
  return c;
}

function endSession(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.destroy(() => resolve()));
}

/** Requires a logged-in user with one of `roles` (any role when empty). */
export function requireUser(ctx: GatewayContext, ...roles: Role[]): RequestHandler {
  return async (req, _res, next) => {
    const userId = req.session.userId;
    if (!userId) return next(new CodedError('UNAUTHENTICATED'));
    const user = await ctx.accounts.findById(userId);
    const key = ctx.keys.get(req.sessionID, userId);
    if (!user || user.disabledAt || !key) {
      ctx.keys.delete(req.sessionID);
      await endSession(req);
      if (user?.disabledAt) return next(new CodedError('ACCOUNT_DISABLED'));
      return next(new CodedError('SESSION_EXPIRED'));
    }
    if (roles.length && !roles.includes(user.role)) return next(new CodedError('FORBIDDEN_ROLE'));
    (req as WithCaller)[CALLER] = {
      user,
      ledger: ctx.ledger.as({
        mspId: ctx.config.hospital.mspId,
        certificate: user.certificate,
        privateKey: key.privateKey,
      }),
    };
    next();
  };
}
