// Password hashing with bcrypt (native, @node-rs/bcrypt: no install script, off the event loop).
// The hasher counts its verifications so a test can prove throttled attempts never reach it.
import { compare, hash } from '@node-rs/bcrypt';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, passwordHash: string): Promise<boolean>;
  /** Verifications performed so far (tests read it; it is not exposed over HTTP). */
  readonly verifications: number;
}

export class BcryptHasher implements PasswordHasher {
  private count = 0;
  /** A real hash of a random string: unknown usernames cost the same time as known ones. */
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: number) {
    if (cost < 12) throw new Error('bcrypt cost must be at least 12');
  }

  hash(password: string): Promise<string> {
    return hash(password, this.cost);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    this.count++;
    return compare(password, passwordHash);
  }

  /** Burns one verification's worth of time for an unknown user (no user enumeration by timing). */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummy ??= hash(`no such user ${Math.random()}`, this.cost);
    await this.verify(password, await this.dummy);
    return false;
  }

  get verifications(): number {
    return this.count;
  }
}
