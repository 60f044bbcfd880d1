// This hospital's doctors in the consortium's directory (chaincode `directory` contract): that each
// doctor exists and is active, so patients of every member can share with them and grants can
// name them. Their names and specialties never go on the ledger (replicated to every member, it
// can never forget): this hospital's gateway serves them to the other members' gateways
// (federation/), from the accounts here — never phone, e-mail or government ID.
//
// The hospital vouches for each entry: it is signed as the hospital's bootstrap admin (as the
// hospital's encryption key is), when a doctor account is made, disabled or enabled. A sync at
// start and every few minutes repairs whatever was missed while the ledger was unreachable.
import type { DoctorEntry, PublishDoctorRequest } from '@ehr/chaincode/api';
import { AdminLedger } from '../accounts/admin-ledger';
import type { User } from '../db/models';
import type { GatewayContext } from '../http/context';
import { DIRECTORY } from '../ledger/contract';

const RESYNC_MS = 10 * 60_000;
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/** One line of text as the chaincode accepts it (no control characters, trimmed, bounded). */
function oneLine(text: string | null, max: number): string | undefined {
  const clean = (text ?? '')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim()
    .slice(0, max)
    .trim();
  return clean || undefined;
}

/** The ledger entry a doctor account should have: its id and whether it is active. */
export function directoryEntry(user: User, mspId: string): PublishDoctorRequest {
  return { doctorId: `${mspId}/${user.id}`, active: user.disabledAt === null };
}

/** What other members' gateways may learn about a doctor: name and specialty, one line each. */
export function professionalIdentity(user: User): { displayName: string; specialty?: string } {
  const specialty = oneLine(user.specialty, 100);
  return {
    displayName: oneLine(user.fullName, 200) ?? 'Doctor',
    ...(specialty ? { specialty } : {}),
  };
}

export class DoctorDirectory {
  /** Writes run one at a time, in order (two writes of one entry would conflict on the ledger). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly admin: AdminLedger;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;
  private started = false;
  private syncing = false;
  /** A write failed while a sync was under way: retry soon rather than at the next resync. */
  private retryAfterSync = false;
  private closed = false;

  constructor(private readonly ctx: GatewayContext) {
    this.admin = new AdminLedger(ctx);
  }

  private get mspId(): string {
    return this.ctx.config.hospital.mspId;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch((e: unknown) => {
      this.admin.forget();
      this.ctx.log.warn(
        { err: (e as Error).message },
        'doctor directory not up to date (the next sync retries)',
      );
    });
    return run;
  }

  /** The directory's entries on the ledger (one hospital's, or all), read as this hospital's admin. */
  async ledgerEntries(mspId?: string): Promise<DoctorEntry[]> {
    try {
      return await (
        await this.admin.get()
      ).evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, mspId ? [mspId] : []);
    } catch (e) {
      this.admin.forget();
      throw e;
    }
  }

  /** Publishes one doctor's entry in the background; failures are logged and repaired by the next sync. */
  publish(user: User): void {
    if (user.role !== 'doctor' || this.closed) return;
    const entry = directoryEntry(user, this.mspId);
    void this.enqueue(async () => {
      await (await this.admin.get()).submit(DIRECTORY.publishDoctor, [JSON.stringify(entry)]);
    }).catch(() => this.retrySoon());
  }

  /** A failed write is repaired by a sync within seconds (with back-off), not at the next resync. */
  private retrySoon(): void {
    if (this.syncing) this.retryAfterSync = true;
    else this.scheduleSync(this.retryMs);
  }

  /** Publishes every doctor account whose entry is missing or differs; resolves to how many. */
  sync(): Promise<number> {
    return this.enqueue(async () => {
      const admin = await this.admin.get();
      const listed = new Map(
        (await admin.evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, [this.mspId])).map((e) => [
          e.doctorId,
          e,
        ]),
      );
      const doctors = await this.ctx.db.models.User.findAll({
        where: { role: 'doctor' },
        order: [['createdAt', 'ASC']],
      });
      let written = 0;
      for (const user of doctors) {
        const want = directoryEntry(user, this.mspId);
        const have = listed.get(want.doctorId);
        if (have?.active === want.active) continue;
        await admin.submit(DIRECTORY.publishDoctor, [JSON.stringify(want)]);
        written++;
      }
      if (written) this.ctx.log.info({ written }, 'doctor directory entries published');
      return written;
    });
  }

  private scheduleSync(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.syncing = true;
      this.sync().then(
        () => {
          this.syncing = false;
          this.retryMs = RETRY_FIRST_MS;
          if (this.retryAfterSync) {
            this.retryAfterSync = false;
            this.scheduleSync(this.retryMs);
          } else if (this.started) this.scheduleSync(RESYNC_MS);
        },
        () => {
          this.syncing = false;
          this.retryAfterSync = false;
          const wait = this.retryMs;
          this.retryMs = Math.min(wait * 2, RETRY_MAX_MS);
          this.scheduleSync(wait);
        },
      );
    }, ms);
    this.timer.unref();
  }

  /** Syncs now, retrying with back-off until it succeeds, then every ten minutes. */
  start(): void {
    this.started = true;
    this.scheduleSync(0);
  }

  /** Stops the syncs and waits for the writes under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.queue;
  }
}
