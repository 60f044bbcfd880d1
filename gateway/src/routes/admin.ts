// Hospital admins: accounts, the government-ID registry, and doctor assignments (the latter are
// chaincode transactions signed by the admin, so the ledger checks the admin's role and hospital).
import { Router } from 'express';
import { Op, type WhereOptions } from 'sequelize';
import { CodedError } from '@ehr/common';
import { checkPasswordPair, publicUser } from '../accounts/accounts';
import { importRegistry } from '../accounts/registry';
import type { Role, User } from '../db/models';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { Assignment } from '../ledger/contract';
import { ASSIGNMENTS } from '../ledger/contract';

export function adminRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const admin = requireUser(ctx, 'admin');
  const mspId = ctx.config.hospital.mspId;

  r.get('/admin/users', admin, async (req, res) => {
    const {
      role,
      q,
      limit = 50,
      offset = 0,
    } = req.query as { role?: Role; q?: string; limit?: number; offset?: number };
    const where: WhereOptions<User> = {};
    if (role) Object.assign(where, { role });
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      Object.assign(where, {
        [Op.or]: [
          { username: { [Op.iLike]: like } },
          { fullName: { [Op.iLike]: like } },
          { email: { [Op.iLike]: like } },
        ],
      });
    }
    const { rows, count } = await ctx.db.models.User.findAndCountAll({
      where,
      order: [['createdAt', 'DESC']],
      limit: Number(limit),
      offset: Number(offset),
    });
    res.json({ items: rows.map((u) => publicUser(u, mspId)), total: count });
  });

  r.post('/admin/users', admin, async (req, res) => {
    const b = req.body as {
      role: 'admin' | 'auditor';
      fullName: string;
      email: string;
      username: string;
      password: string;
      passwordConfirmation: string;
    };
    checkPasswordPair(b.password, b.passwordConfirmation);
    const user = await ctx.accounts.create({
      role: b.role,
      username: b.username,
      email: b.email,
      fullName: b.fullName,
      password: b.password,
    });
    req.log?.info(
      { userId: user.id, role: user.role, by: caller(req).user.id },
      'staff account created',
    );
    res.status(201).json(publicUser(user, mspId));
  });

  r.patch('/admin/users/:userId', admin, async (req, res) => {
    const me = caller(req).user;
    const user = await ctx.accounts.findById(String(req.params.userId));
    if (!user) throw new CodedError('NOT_FOUND', 'No such account.');
    const { disabled } = req.body as { disabled: boolean };
    if (disabled && user.id === me.id)
      throw new CodedError('CONFLICT', 'You cannot disable your own account.');
    user.disabledAt = disabled ? (user.disabledAt ?? new Date()) : null;
    await user.save({ fields: ['disabledAt'] });
    if (disabled) ctx.keys.deleteUser(user.id);
    ctx.directory?.publish(user); // a disabled doctor is withdrawn from the directory
    req.log?.info({ userId: user.id, disabled, by: me.id }, 'account updated');
    res.json(publicUser(user, mspId));
  });

  r.get('/admin/login-audit', admin, async (req, res) => {
    const {
      username,
      outcome,
      limit = 100,
      offset = 0,
    } = req.query as { username?: string; outcome?: string; limit?: number; offset?: number };
    const where: Record<string, unknown> = {};
    if (username) where.username = username;
    if (outcome) where.outcome = outcome;
    const { rows, count } = await ctx.db.models.LoginAudit.findAndCountAll({
      where,
      order: [['id', 'DESC']],
      limit: Number(limit),
      offset: Number(offset),
    });
    res.json({
      items: rows.map((a) => ({
        at: a.createdAt.toISOString(),
        userId: a.userId,
        username: a.username,
        role: a.role,
        ip: a.ip,
        outcome: a.outcome,
      })),
      total: count,
    });
  });

  r.post('/admin/registry', admin, async (req, res) => {
    if (typeof req.body !== 'string')
      throw new CodedError('UNSUPPORTED_MEDIA_TYPE', 'Send the registry as text/csv.');
    const result = await importRegistry(ctx.db, req.body, caller(req).user.id);
    req.log?.info({ ...result, by: caller(req).user.id }, 'registry imported');
    res.json(result);
  });

  r.post('/admin/assignments', admin, async (req, res) => {
    const { patientId, doctorId } = req.body as { patientId: string; doctorId: string };
    const { result, transactionId } = await caller(req).ledger.submit<Assignment>(
      ASSIGNMENTS.assign,
      [patientId, doctorId],
    );
    res.status(201).json({ assignment: result, transactionId });
  });

  r.delete('/admin/assignments', admin, async (req, res) => {
    const { patientId, doctorId } = req.query as { patientId: string; doctorId: string };
    const { result, transactionId } = await caller(req).ledger.submit<Assignment>(ASSIGNMENTS.end, [
      patientId,
      doctorId,
    ]);
    res.json({ assignment: result, transactionId });
  });

  return r;
}
