// Other member hospitals' doctors' names, cached in this gateway's PostgreSQL
// (remote_doctor_names). Filled from each member's federation port: every few minutes, and when a
// name is missing (at most once per member in EHR_FEDERATION_MISS_REFRESH_SECONDS). While a member's
// gateway is down its cached names are still served; a name is forgotten once older than the
// maximum age, when the ledger no longer lists the doctor as active, or when the hospital is no
// longer a member. Without a name the portal shows the neutral label (people.ts), never an error.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayContext } from '../../http/context';
import { fetchMemberDoctors, type FederationTls } from './client';
import type { ConsortiumMembers } from './members';

export interface DoctorName {
  displayName: string;
  specialty?: string;
}

const mspOf = (id: string) => id.slice(0, id.indexOf('/'));
/** How long a lookup waits for a member's answer before it shows what it has. */
const MISS_WAIT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 10_000;

export class RemoteDoctorNames {
  /** When a missing name last made this gateway ask each member (the periodic refresh aside:
   *  a member that was down at start is asked again at the first miss). */
  private readonly lastMissAsk = new Map<string, number>();
  private readonly refreshing = new Map<string, Promise<boolean>>();
  private tls: FederationTls | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly members: ConsortiumMembers,
  ) {}

  private get ownMsp(): string {
    return this.ctx.config.hospital.mspId;
  }

  private tlsMaterial(): FederationTls {
    const { tlsCertFile, tlsKeyFile } = this.ctx.config.federation;
    this.tls ??= { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) };
    return this.tls;
  }

  /** Asks one member for its doctors and replaces what is cached for it; false when it failed. */
  refresh(mspId: string): Promise<boolean> {
    let run = this.refreshing.get(mspId);
    if (!run) {
      run = this.fetchAndStore(mspId)
        .then(() => true)
        .catch((e: unknown) => {
          this.ctx.log.warn(
            { mspId, err: (e as Error).message },
            'member gateway did not give its doctors’ names (cached ones are kept)',
          );
          return false;
        })
        .finally(() => this.refreshing.delete(mspId));
      this.refreshing.set(mspId, run);
    }
    return run;
  }

  private async fetchAndStore(mspId: string): Promise<void> {
    const url = this.ctx.config.federation.peers[mspId];
    if (!url) throw new Error(`no federation URL for ${mspId}`);
    const roots = (await this.members.current()).get(mspId);
    if (!roots) throw new Error(`${mspId} is not a member of the channel`);
    const doctors = await fetchMemberDoctors(
      url,
      mspId,
      roots,
      this.tlsMaterial(),
      REQUEST_TIMEOUT_MS,
    );
    const client = await this.ctx.pool.connect();
    try {
      await client.query('BEGIN');
      // The member answers every active doctor it has: whoever it left out is forgotten.
      await client.query(
        'DELETE FROM remote_doctor_names WHERE msp_id = $1 AND NOT (doctor_id = ANY($2::text[]))',
        [mspId, doctors.map((d) => d.doctorId)],
      );
      for (const d of doctors) {
        await client.query(
          `INSERT INTO remote_doctor_names (doctor_id, msp_id, display_name, specialty, fetched_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (doctor_id) DO UPDATE SET display_name = EXCLUDED.display_name,
             specialty = EXCLUDED.specialty, fetched_at = EXCLUDED.fetched_at`,
          [d.doctorId, mspId, d.displayName, d.specialty ?? null],
        );
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }

  private async cached(ids: string[]): Promise<Map<string, DoctorName>> {
    if (!ids.length) return new Map();
    const { rows } = await this.ctx.pool.query<{
      doctor_id: string;
      display_name: string;
      specialty: string | null;
    }>(
      `SELECT doctor_id, display_name, specialty FROM remote_doctor_names
       WHERE doctor_id = ANY($1::text[]) AND fetched_at > now() - $2 * interval '1 millisecond'`,
      [ids, this.ctx.config.federation.maxAgeMs],
    );
    return new Map(
      rows.map((r) => [
        r.doctor_id,
        { displayName: r.display_name, ...(r.specialty ? { specialty: r.specialty } : {}) },
      ]),
    );
  }

  /**
   * Names for doctors of other hospitals that the ledger lists as active (the caller checks
   * that). A hospital with a missing name is asked again unless it was asked recently.
   */
  async names(activeDoctorIds: string[]): Promise<Map<string, DoctorName>> {
    const ids = [...new Set(activeDoctorIds)].filter((id) => mspOf(id) !== this.ownMsp);
    const found = await this.cached(ids);
    const now = Date.now();
    const ask = [...new Set(ids.filter((id) => !found.has(id)).map(mspOf))].filter(
      (msp) => now - (this.lastMissAsk.get(msp) ?? 0) >= this.ctx.config.federation.missRefreshMs,
    );
    if (!ask.length || this.closed) return found;
    for (const msp of ask) this.lastMissAsk.set(msp, now);
    const wait = new AbortController();
    await Promise.race([
      Promise.all(ask.map((msp) => this.refresh(msp))),
      sleep(MISS_WAIT_MS, undefined, { signal: wait.signal }).catch(() => undefined),
    ]);
    wait.abort();
    return this.cached(ids);
  }

  /** Refreshes every other member, then forgets what must not be kept. */
  async refreshAll(): Promise<void> {
    const members = await this.members.current();
    const others = [...members.keys()].filter((m) => m !== this.ownMsp);
    await Promise.all(others.map((msp) => this.refresh(msp)));
    const active = (await this.ctx.directory!.ledgerEntries())
      .filter((d) => d.active)
      .map((d) => d.doctorId);
    const { rowCount } = await this.ctx.pool.query(
      `DELETE FROM remote_doctor_names
       WHERE NOT (doctor_id = ANY($1::text[])) OR NOT (msp_id = ANY($2::text[]))
          OR fetched_at <= now() - $3 * interval '1 millisecond'`,
      [active, others, this.ctx.config.federation.maxAgeMs],
    );
    if (rowCount) this.ctx.log.info({ forgotten: rowCount }, 'cached doctor names forgotten');
  }

  /** Refreshes now and every EHR_FEDERATION_REFRESH_SECONDS. */
  start(): void {
    const tick = () => {
      if (this.closed) return;
      this.refreshAll()
        .catch((e: unknown) =>
          this.ctx.log.warn({ err: (e as Error).message }, 'doctor names not refreshed'),
        )
        .finally(() => {
          if (this.closed) return;
          this.timer = setTimeout(tick, this.ctx.config.federation.refreshMs);
          this.timer.unref();
        });
    };
    tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(this.refreshing.values());
  }
}
