// The hospital's first admin, from configuration, created at first start (when no admin exists).
import type { GatewayContext } from '../http/context';

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
