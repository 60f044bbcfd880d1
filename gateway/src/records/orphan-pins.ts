// Files an upload stored in IPFS Cluster that the ledger may not reference: the record's write
// failed after the add. Such a file is unpinned at once; when that fails, or when the write's
// outcome is not known (the transaction went to the orderer but its commit was not confirmed),
// it is recorded in PostgreSQL (orphan_pins) and settled by a sweeper:
//  - an unknown outcome is asked of the peer (CommitStatus, as this hospital's admin): committed
//    VALID means the record exists and its file stays; committed invalid, or still unknown once
//    the grace period is over, means nothing references the file and it is unpinned;
//  - a failed unpin is tried again, with back-off.
// A file is never unpinned while its record may still commit: that would leave a record on the
// ledger whose file is gone.
import type { IpfsClusterClient } from '@ehr/network';
import { AdminLedger } from '../accounts/admin-ledger';
import type { GatewayContext } from '../http/context';

/** What became of a stored file the ledger does not reference (the upload's error says it). */
export type StoredFileCleanup =
  | 'unpinned'
  | 'recorded-for-cleanup'
  | 'kept-until-the-ledger-answers'
  /** The database did not take the entry either: the gateway's error log names the file. */
  | 'logged-for-cleanup';

export interface OrphanPinSettings {
  /** How often due entries are worked on; also the first retry's delay (doubling, up to an hour). */
  sweepMs: number;
  /** How long a file whose write's outcome is unknown is kept while the ledger has not committed it. */
  outcomeGraceMs: number;
}

export interface SweepResult {
  unpinned: number;
  /** Entries whose record turned out committed: the file stays, the entry goes. */
  committed: number;
  /** Outcome still unknown, within the grace period. */
  waiting: number;
  failed: number;
}

interface Row {
  cid: string;
  record_id: string;
  reason: string;
  transaction_id: string | null;
  created_at: Date;
}

/** A CommitStatus answers at once for a committed transaction; this long for one not committed. */
const STATUS_WAIT_MS = 5_000;
const RETRY_MAX_MS = 3_600_000;
const BATCH = 100;

export class OrphanPins {
  private readonly admin: AdminLedger;
  private sweeping: Promise<SweepResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly settings: OrphanPinSettings,
    private readonly cluster: () => IpfsClusterClient,
  ) {
    this.admin = new AdminLedger(ctx);
  }

  /** Unpins a file nothing on the ledger references; if the unpin fails, records it for the sweeper. */
  async discard(cid: string, recordId: string, reason: string): Promise<StoredFileCleanup> {
    try {
      await this.cluster().unpin(cid);
      return 'unpinned';
    } catch (e) {
      const lastError = (e as Error).message;
      this.ctx.log.error({ cid, recordId, reason, err: lastError }, 'orphan pin: unpin failed');
      return this.record({ cid, recordId, reason, lastError, dueInMs: this.settings.sweepMs });
    }
  }

  /** Keeps a file whose record's transaction may still commit; the sweeper settles it. */
  async hold(
    cid: string,
    recordId: string,
    transactionId: string,
    reason: string,
  ): Promise<StoredFileCleanup> {
    this.ctx.log.warn(
      { cid, recordId, transactionId, reason },
      'record write not confirmed: its file is kept until the ledger answers',
    );
    const recorded = await this.record({ cid, recordId, reason, transactionId, dueInMs: 0 });
    return recorded === 'recorded-for-cleanup' ? 'kept-until-the-ledger-answers' : recorded;
  }

  private async record(entry: {
    cid: string;
    recordId: string;
    reason: string;
    transactionId?: string;
    lastError?: string;
    dueInMs: number;
  }): Promise<StoredFileCleanup> {
    try {
      await this.ctx.pool.query(
        `INSERT INTO orphan_pins (cid, record_id, reason, transaction_id, last_error, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
         ON CONFLICT (cid) DO NOTHING`,
        [
          entry.cid,
          entry.recordId,
          entry.reason,
          entry.transactionId ?? null,
          entry.lastError ?? null,
          entry.dueInMs,
        ],
      );
      return 'recorded-for-cleanup';
    } catch (e) {
      this.ctx.log.error(
        { ...entry, err: (e as Error).message },
        'orphan pin NOT recorded (database unavailable): remove it by hand once nothing references it',
      );
      return 'logged-for-cleanup';
    }
  }

  /** Works on every due entry once; concurrent calls share the run. */
  sweep(): Promise<SweepResult> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps every `sweepMs` until close(). */
  start(): void {
    this.timer ??= setInterval(() => {
      this.sweep().catch((e: unknown) =>
        this.ctx.log.warn({ err: (e as Error).message }, 'orphan pin sweep failed'),
      );
    }, this.settings.sweepMs).unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => undefined);
  }

  private async sweepOnce(): Promise<SweepResult> {
    const result: SweepResult = { unpinned: 0, committed: 0, waiting: 0, failed: 0 };
    // Claimed by pushing each due entry back by its back-off first: another gateway process of
    // this hospital sweeping at the same time takes other entries, and a crash mid-sweep only
    // delays them.
    const { rows } = await this.ctx.pool.query<Row>(
      `UPDATE orphan_pins SET attempts = attempts + 1,
         next_attempt_at = now() + least($1, $2 * power(2, least(attempts, 20))) * interval '1 millisecond'
       WHERE cid IN (SELECT cid FROM orphan_pins WHERE next_attempt_at <= now()
                     ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING cid, record_id, reason, transaction_id, created_at`,
      [RETRY_MAX_MS, this.settings.sweepMs, BATCH],
    );
    for (const row of rows) {
      try {
        if (row.transaction_id) {
          const outcome = await (
            await this.admin.get()
          ).commitOutcome(row.transaction_id, STATUS_WAIT_MS);
          if (outcome.committed && outcome.valid) {
            await this.forget(row.cid);
            this.ctx.log.info(
              { cid: row.cid, recordId: row.record_id, transactionId: row.transaction_id },
              'the record was committed after all: its file stays',
            );
            result.committed++;
            continue;
          }
          if (
            !outcome.committed &&
            Date.now() - row.created_at.getTime() < this.settings.outcomeGraceMs
          ) {
            result.waiting++;
            continue;
          }
        }
        await this.cluster().unpin(row.cid);
        await this.forget(row.cid);
        this.ctx.log.info(
          { cid: row.cid, recordId: row.record_id, reason: row.reason },
          'orphan pin removed',
        );
        result.unpinned++;
      } catch (e) {
        this.admin.forget(); // unsealed again next time, in case that was what failed
        result.failed++;
        await this.ctx.pool
          .query('UPDATE orphan_pins SET last_error = $2 WHERE cid = $1', [
            row.cid,
            (e as Error).message,
          ])
          .catch(() => undefined);
      }
    }
    if (rows.length) this.ctx.log.info({ ...result }, 'orphan pins swept');
    return result;
  }

  private async forget(cid: string): Promise<void> {
    await this.ctx.pool.query('DELETE FROM orphan_pins WHERE cid = $1', [cid]);
  }
}
