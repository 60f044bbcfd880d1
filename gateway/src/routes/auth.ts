// Captcha, CSRF token, login, logout and the current session.
import { Router, type Request } from 'express';
import { CodedError } from '@ehr/common';
import { issueCaptcha } from '../auth/captcha';
import { checkPasswordPair, publicUser } from '../accounts/accounts';
import { caller, requireUser } from '../http/auth-guard';
import type { Role } from '../db/models';
import type { GatewayContext } from '../http/context';
import type { CsrfTokens } from '../http/csrf';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((e) => (e ? reject(e) : resolve())),
  );
}
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
}
function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.destroy(() => resolve()));
}

export function sessionBody(ctx: GatewayContext, req: Request, csrf: CsrfTokens) {
  return {
    csrfToken: csrf.token(req),
    idleTimeoutSeconds: Math.round(ctx.config.sessionIdleMs / 1000),
    expiresAt: new Date(Date.now() + ctx.config.sessionIdleMs).toISOString(),
  };
}

export function authRoutes(ctx: GatewayContext, csrf: CsrfTokens): Router {
  const r = Router();

  r.get('/auth/csrf', (req, res) => {
    res.json({ csrfToken: csrf.token(req) });
  });

  r.get('/auth/captcha', (req, res) => {
    const c = issueCaptcha();
    req.session.captcha = c.pending;
    ctx.captchas?.remember(c.pending.id, c.answer);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ captchaId: c.pending.id, svg: c.svg });
  });

  r.post('/auth/login', async (req, res) => {
    const body = req.body as {
      role: Role;
      username: string;
      password: string;
      captchaId: string;
      captchaAnswer: string;
    };
    const pending = req.session.captcha;
    delete req.session.captcha; // one try per captcha, whatever the outcome
    const { user, privateKey } = await ctx.login.login(
      { ...body, ip: req.ip ?? 'unknown' },
      pending,
    );
    // A new session id at login (no session fixation); the old one's key, if any, is dropped.
    ctx.keys.delete(req.sessionID);
    await regenerate(req);
    req.session.userId = user.id;
    req.session.role = user.role;
    ctx.keys.put(req.sessionID, { userId: user.id, privateKey, certificate: user.certificate });
    const body2 = {
      user: publicUser(user, ctx.config.hospital.mspId),
      ...sessionBody(ctx, req, csrf),
    };
    await save(req);
    req.log?.info({ userId: user.id, role: user.role }, 'login');
    res.json(body2);
  });

  r.post('/auth/password', requireUser(ctx), async (req, res) => {
    const { user } = caller(req);
    const b = req.body as {
      currentPassword: string;
      newPassword: string;
      newPasswordConfirmation: string;
    };
    checkPasswordPair(b.newPassword, b.newPasswordConfirmation);
    const privateKey = await ctx.login.changePassword(
      user,
      req.ip ?? 'unknown',
      b.currentPassword,
      b.newPassword,
    );
    // Other sessions of this user end (their keys are dropped); this one keeps working.
    ctx.keys.deleteUser(user.id);
    ctx.keys.put(req.sessionID, { userId: user.id, privateKey, certificate: user.certificate });
    req.log?.info({ userId: user.id }, 'password changed');
    res.status(204).end();
  });

  r.post('/auth/logout', async (req, res) => {
    ctx.keys.delete(req.sessionID);
    await destroy(req);
    res.clearCookie('ehr.sid', { path: '/' });
    res.status(204).end();
  });

  r.get('/auth/session', async (req, res) => {
    const userId = req.session.userId;
    const user = userId ? await ctx.accounts.findById(userId) : null;
    if (!user || user.disabledAt || !ctx.keys.get(req.sessionID, user.id)) {
      ctx.keys.delete(req.sessionID);
      if (userId) await destroy(req);
      throw new CodedError(userId ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED');
    }
    res.json({ user: publicUser(user, ctx.config.hospital.mspId), ...sessionBody(ctx, req, csrf) });
  });

  return r;
}
