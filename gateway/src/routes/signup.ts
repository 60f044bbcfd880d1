// Patient and doctor signup. Both need a solved captcha (one try each).
import { Router, type Request } from 'express';
import { checkCaptcha } from '../auth/captcha';
import { checkPasswordPair, publicUser } from '../accounts/accounts';
import type { GatewayContext } from '../http/context';

function solveCaptcha(req: Request): void {
  const pending = req.session.captcha;
  delete req.session.captcha;
  const { captchaId, captchaAnswer } = req.body as { captchaId: string; captchaAnswer: string };
  checkCaptcha(pending, captchaId, captchaAnswer);
}

export function signupRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const mspId = ctx.config.hospital.mspId;

  const spend = (req: Request) => ctx.signupThrottle.spend(req.ip ?? 'unknown');

  r.post('/signup/patient', async (req, res) => {
    await spend(req);
    solveCaptcha(req);
    const b = req.body as {
      fullName: string;
      address: string;
      phone: string;
      email: string;
      username: string;
      password: string;
      passwordConfirmation: string;
    };
    checkPasswordPair(b.password, b.passwordConfirmation);
    const user = await ctx.accounts.create({
      role: 'patient',
      username: b.username,
      email: b.email,
      fullName: b.fullName.trim(),
      address: b.address.trim(),
      phone: b.phone,
      password: b.password,
    });
    req.log?.info({ userId: user.id }, 'patient signed up');
    res.status(201).json(publicUser(user, mspId));
  });

  r.post('/signup/doctor/code', async (req, res) => {
    await spend(req);
    solveCaptcha(req);
    const sent = await ctx.doctorSignup.sendCode((req.body as { govId: string }).govId);
    res.status(202).json(sent);
  });

  r.post('/signup/doctor', async (req, res) => {
    await spend(req);
    const user = await ctx.doctorSignup.createAccount(
      req.body as Parameters<typeof ctx.doctorSignup.createAccount>[0],
    );
    req.log?.info({ userId: user.id }, 'doctor signed up');
    ctx.directory?.publish(user);
    res.status(201).json(publicUser(user, mspId));
  });

  return r;
}
