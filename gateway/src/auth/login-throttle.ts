// Login throttling, in PostgreSQL so it holds across restarts and gateway replicas
// (rate-limiter-flexible's RateLimiterPostgres; the table comes from our migrations).
//
// Every attempt first RESERVES a point from its account's and its address's budget, atomically,
// before any password check. Once a budget is spent the attempt is refused with 429 and
// Retry-After, and never reaches bcrypt — even when many attempts arrive at once.
//  - per account: `maxFailures` consecutive failures, then a lockout whose length doubles with
//    each lockout in the last day (base … max seconds); a success resets the count. Attempts
//    made during a lockout do not extend it, so the owner can log in once it has passed.
//  - per address: `ipMaxFailures` failures per window, whatever the accounts tried.
import type { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { CodedError } from '@ehr/common';

export interface ThrottleSettings {
  maxFailures: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  ipMaxFailures: number;
  ipWindowSeconds: number;
}

export interface Reservation {
  /** The attempt succeeded: the account's consecutive failures start again from zero. */
  succeeded(): Promise<void>;
  /** The attempt failed: the reserved points stay spent; a spent account budget starts a lockout. */
  failed(): Promise<void>;
}

const TABLE = 'login_throttle';

function throttled(res: RateLimiterRes): CodedError {
  return new CodedError('RATE_LIMITED', undefined, {
    retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  });
}

export class LoginThrottle {
  private readonly account: RateLimiterPostgres;
  private readonly address: RateLimiterPostgres;
  private readonly lockouts: RateLimiterPostgres;

  constructor(
    pool: Pool,
    private readonly s: ThrottleSettings,
  ) {
    const common = { storeClient: pool, storeType: 'pool', tableName: TABLE, tableCreated: true };
    this.account = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login-account',
      points: s.maxFailures,
      // Consecutive failures count within the longest back-off; a success deletes the counter.
      duration: s.backoffMaxSeconds,
    });
    this.address = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login-ip',
      points: s.ipMaxFailures,
      duration: s.ipWindowSeconds,
    });
    this.lockouts = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login-lockouts',
      points: 1_000_000,
      duration: 24 * 3600,
    });
  }

  private static accountKey(role: string, username: string): string {
    return `${role}:${username.trim().toLowerCase()}`;
  }

  /** Reserves one attempt; throws RATE_LIMITED (with retryAfterSeconds) when either budget is spent. */
  async reserve(ip: string, role: string, username: string): Promise<Reservation> {
    const key = LoginThrottle.accountKey(role, username);
    let accountRes: RateLimiterRes;
    try {
      accountRes = await this.account.consume(key);
    } catch (e) {
      if (e instanceof RateLimiterRes) throw throttled(e);
      throw new CodedError('DATABASE_UNAVAILABLE');
    }
    try {
      await this.address.consume(ip);
    } catch (e) {
      // Give the account point back: a blocked address should not lock its victim out.
      await this.account.reward(key, 1).catch(() => undefined);
      if (e instanceof RateLimiterRes) throw throttled(e);
      throw new CodedError('DATABASE_UNAVAILABLE');
    }
    const lastAllowed = accountRes.remainingPoints === 0;
    return {
      succeeded: async () => {
        await Promise.all([this.account.delete(key), this.address.reward(ip, 1)]);
      },
      failed: async () => {
        if (!lastAllowed) return;
        const n = (await this.lockouts.consume(key)).consumedPoints;
        const seconds = Math.min(
          this.s.backoffBaseSeconds * 2 ** (n - 1),
          this.s.backoffMaxSeconds,
        );
        await this.account.block(key, seconds);
      },
    };
  }

  /** Refuses (429) an address whose failure budget is spent, without spending anything. */
  async checkAddress(ip: string): Promise<void> {
    let res: RateLimiterRes | null;
    try {
      res = await this.address.get(ip);
    } catch {
      throw new CodedError('DATABASE_UNAVAILABLE');
    }
    if (res && res.remainingPoints <= 0 && res.consumedPoints >= this.s.ipMaxFailures)
      throw throttled(res);
  }

  /** A failure that never reached a password check (e.g. a wrong captcha): costs the address only. */
  async addressFailure(ip: string): Promise<void> {
    await this.address.penalty(ip, 1).catch(() => undefined);
  }

  /** Clears an account's counters (an admin unlocking it). */
  async reset(role: string, username: string): Promise<void> {
    const key = LoginThrottle.accountKey(role, username);
    await Promise.all([this.account.delete(key), this.lockouts.delete(key)]);
  }
}
