// The hospital's first admin, from configuration, created at first start (when no admin exists).
import { CodedError } from '@ehr/common';
import { unsealPrivateKey } from '../custody/key-custody';
import type { GatewayContext } from '../http/context';
import type { UserLedger } from '../ledger/connection';

export async function ensureBootstrapAdmin(ctx: GatewayContext): Promise<void> {
  const { User } = ctx.db.models;
  if (await User.findOne({ where: { role: 'admin' } })) return;
  const a = ctx.config.bootstrapAdmin;
  const user = await ctx.accounts.create({
    role: 'admin',
    username: a.username,
    email: a.email,
    fullName: 'Hospital administrator',
    password: a.password,
  });
  ctx.log.info({ userId: user.id, username: user.username }, 'bootstrap admin created');
}

/**
 * The ledger signed as the bootstrap admin, for work the gateway does at start on the hospital's
 * behalf (e.g. registering the hospital and its encryption key). Its key is unsealed with the
 * configured bootstrap password; it fails (INVALID_CREDENTIALS) once that admin's password differs.
 */
export async function bootstrapAdminLedger(ctx: GatewayContext): Promise<UserLedger> {
  const a = ctx.config.bootstrapAdmin;
  const user = await ctx.accounts.findLogin('admin', a.username);
  if (!user || !(await ctx.hasher.verify(a.password, user.passwordHash)))
    throw new CodedError('INVALID_CREDENTIALS');
  const privateKey = await unsealPrivateKey(
    user.sealedKey,
    a.password,
    ctx.config.keyPepper,
    user.id,
  );
  return ctx.ledger.as({
    mspId: ctx.config.hospital.mspId,
    certificate: user.certificate,
    privateKey,
  });
}
