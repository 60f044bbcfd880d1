// Development-only helpers (EHR_DEV_ENDPOINTS; the configuration refuses them in production):
// the SMS sink's messages and captcha answers, so tests and the local demo can get through.
import { Router } from 'express';
import { CodedError } from '@ehr/common';
import type { GatewayContext } from '../http/context';
import { SmsSink } from '../sms/sms';

export function devRoutes(ctx: GatewayContext): Router {
  const r = Router();
  r.get('/dev/sms', async (req, res) => {
    if (!ctx.config.devEndpoints || !(ctx.sms instanceof SmsSink))
      throw new CodedError('NOT_FOUND', 'No such endpoint.');
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ items: await ctx.sms.messages(to) });
  });
  r.get('/dev/captcha/:captchaId', (req, res) => {
    const answer = ctx.config.devEndpoints
      ? ctx.captchas?.answer(String(req.params.captchaId))
      : undefined;
    if (!answer) throw new CodedError('NOT_FOUND', 'No such captcha.');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ answer });
  });
  return r;
}
