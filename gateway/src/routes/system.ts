// Liveness, readiness (database, CA and ledger really answer), and the hospital's identity.
import { Router } from 'express';
import type { GatewayContext } from '../http/context';

export function systemRoutes(ctx: GatewayContext): Router {
  const r = Router();

  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  r.get('/readyz', async (_req, res) => {
    const [database, ca, ledger] = await Promise.all([
      ctx.pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      ctx.ca.ping(),
      ctx.ledger.ready(),
    ]);
    const ready = database && ca && ledger;
    res.status(ready ? 200 : 503).json({ ready, checks: { database, ca, ledger } });
  });

  r.get('/hospital', (_req, res) => {
    const h = ctx.config.hospital;
    res.json({
      name: h.name,
      displayName: h.displayName ?? h.name,
      mspId: h.mspId,
      smsDelivery: ctx.sms.kind,
      idleTimeoutSeconds: Math.round(ctx.config.sessionIdleMs / 1000),
    });
  });

  return r;
}
