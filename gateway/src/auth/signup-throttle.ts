// Signups cost a CA registration, a bcrypt hash and a scrypt derivation (and doctor codes cost an
// SMS): each address gets a budget per hour for all signup requests, spent before any of that work.
import type { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { CodedError } from '@ehr/common';

export class SignupThrottle {
  private readonly limiter: RateLimiterPostgres;

  constructor(pool: Pool, perHour: number) {
    this.limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'login_throttle',
      tableCreated: true,
      keyPrefix: 'signup-ip',
      points: perHour,
      duration: 3600,
    });
  }

  async spend(ip: string): Promise<void> {
    try {
      await this.limiter.consume(ip);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        throw new CodedError('RATE_LIMITED', undefined, {
          retryAfterSeconds: Math.ceil(e.msBeforeNext / 1000),
        });
      }
      throw new CodedError('DATABASE_UNAVAILABLE');
    }
  }
}
