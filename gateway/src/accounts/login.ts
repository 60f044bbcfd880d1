// Logging in. The order is what keeps bcrypt (and the key-custody scrypt) out of an attacker's reach:
//   1. a blocked address is refused at once (429);
//   2. the captcha is checked (a wrong one costs the address a point, never the account);
//   3. a point is reserved from the account's and the address's budgets, atomically (429 when spent);
//   4. only then bcrypt; then the account's state; then the signing key is unsealed.
// Every outcome is written to login_audit (no password, no captcha answer).
import type { KeyObject } from 'node:crypto';
import { CodedError } from '@ehr/common';
import type { PendingCaptcha } from '../auth/captcha';
import { checkCaptcha } from '../auth/captcha';
import type { LoginThrottle } from '../auth/login-throttle';
import type { BcryptHasher } from '../auth/passwords';
import { sealPrivateKey, unsealPrivateKey } from '../custody/key-custody';
import type { Database } from '../db/database';
import type { LoginOutcome, Role, User } from '../db/models';
import type { Accounts } from './accounts';

export interface LoginRequest {
  role: Role;
  username: string;
  password: string;
  captchaId: string;
  captchaAnswer: string;
  ip: string;
}

export interface LoggedIn {
  user: User;
  privateKey: KeyObject;
}

export class LoginService {
  constructor(
    private readonly db: Database,
    private readonly accounts: Accounts,
    private readonly hasher: BcryptHasher,
    private readonly throttle: LoginThrottle,
    private readonly pepper: string,
  ) {}

  private async audit(req: LoginRequest, outcome: LoginOutcome, user?: User | null): Promise<void> {
    await this.db.models.LoginAudit.create({
      userId: user?.id ?? null,
      username: req.username.slice(0, 128),
      role: req.role,
      ip: req.ip,
      outcome,
    });
  }

  async login(req: LoginRequest, pendingCaptcha: PendingCaptcha | undefined): Promise<LoggedIn> {
    try {
      await this.throttle.checkAddress(req.ip);
    } catch (e) {
      await this.audit(req, 'throttled');
      throw e;
    }
    try {
      checkCaptcha(pendingCaptcha, req.captchaId, req.captchaAnswer);
    } catch (e) {
      await this.throttle.addressFailure(req.ip);
      await this.audit(req, 'captcha_failed');
      throw e;
    }
    let reservation;
    try {
      reservation = await this.throttle.reserve(req.ip, req.role, req.username);
    } catch (e) {
      await this.audit(req, 'throttled');
      throw e;
    }
    const user = await this.accounts.findLogin(req.role, req.username);
    const ok = user
      ? await this.hasher.verify(req.password, user.passwordHash)
      : await this.hasher.verifyAgainstNothing(req.password);
    if (!user || !ok) {
      await reservation.failed();
      await this.audit(req, user ? 'bad_password' : 'unknown_user', user);
      throw new CodedError('INVALID_CREDENTIALS');
    }
    if (user.disabledAt) {
      await reservation.failed();
      await this.audit(req, 'disabled', user);
      throw new CodedError('ACCOUNT_DISABLED');
    }
    const privateKey = await unsealPrivateKey(user.sealedKey, req.password, this.pepper, user.id);
    await reservation.succeeded();
    user.lastLoginAt = new Date();
    await user.save({ fields: ['lastLoginAt'] });
    await this.audit(req, 'success', user);
    return { user, privateKey };
  }

  /**
   * Changes a password: the current one is checked (throttled like a login, bcrypt only within
   * budget), the signing key is re-sealed under the new one, both written together.
   */
  async changePassword(user: User, ip: string, current: string, next: string): Promise<KeyObject> {
    const reservation = await this.throttle.reserve(ip, user.role, user.username);
    if (!(await this.hasher.verify(current, user.passwordHash))) {
      await reservation.failed();
      throw new CodedError('INVALID_CREDENTIALS', 'The current password is wrong.');
    }
    await reservation.succeeded();
    const privateKey = await unsealPrivateKey(user.sealedKey, current, this.pepper, user.id);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    user.sealedKey = await sealPrivateKey(pem, next, this.pepper, user.id);
    user.passwordHash = await this.hasher.hash(next);
    await user.save({ fields: ['sealedKey', 'passwordHash'] });
    return privateKey;
  }
}
