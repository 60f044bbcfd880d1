// The bootstrap admin's ledger for the gateway's background work (the doctor directory, the
// orphan-pin sweeper): unsealing the admin's key costs a bcrypt and a scrypt, so it is done once
// per process, and again after a failure (the password or the key may have changed).
import type { GatewayContext } from '../http/context';
import type { UserLedger } from '../ledger/connection';
import { bootstrapAdminLedger } from './bootstrap';

export class AdminLedger {
  private ledger: Promise<UserLedger> | undefined;

  constructor(private readonly ctx: GatewayContext) {}

  get(): Promise<UserLedger> {
    this.ledger ??= bootstrapAdminLedger(this.ctx);
    return this.ledger;
  }

  /** Unsealed anew on the next get(). */
  forget(): void {
    this.ledger = undefined;
  }
}
