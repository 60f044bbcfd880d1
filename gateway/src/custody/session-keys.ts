// Unsealed signing keys live only here: in this process's memory, keyed by session id, for the
// life of the session. They are dropped at logout, when the session idles out (a sweep), and
// on shutdown. Trade-offs, chosen on purpose:
//  - a restart of the gateway signs everyone out (their keys are gone); they log in again;
//  - several gateway replicas need sticky sessions (or each asks the user to log in);
//  - an attacker who can read this process's memory can sign for logged-in users only, for as
//    long as they stay logged in; the database and its backups never hold a usable key.
// JavaScript cannot zero a KeyObject; dropping the last reference is the best it offers.
import type { KeyObject } from 'node:crypto';

export interface SessionSigningKey {
  userId: string;
  privateKey: KeyObject;
  certificate: string;
  lastUsed: number;
}

export class SessionKeyStore {
  private readonly keys = new Map<string, SessionSigningKey>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
    sweepEveryMs = Math.min(60_000, idleMs),
  ) {
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  put(sessionId: string, entry: Omit<SessionSigningKey, 'lastUsed'>): void {
    this.keys.set(sessionId, { ...entry, lastUsed: this.now() });
  }

  /** The session's key if it has not idled out; touching it extends its life. */
  get(sessionId: string, userId: string): SessionSigningKey | undefined {
    const entry = this.keys.get(sessionId);
    if (!entry) return undefined;
    if (entry.userId !== userId || this.now() - entry.lastUsed > this.idleMs) {
      this.keys.delete(sessionId);
      return undefined;
    }
    entry.lastUsed = this.now();
    return entry;
  }

  delete(sessionId: string): void {
    this.keys.delete(sessionId);
  }

  /** Drops every key of a user (account disabled). */
  deleteUser(userId: string): void {
    for (const [sid, entry] of this.keys) if (entry.userId === userId) this.keys.delete(sid);
  }

  sweep(): number {
    const t = this.now();
    let dropped = 0;
    for (const [sid, entry] of this.keys) {
      if (t - entry.lastUsed > this.idleMs) {
        this.keys.delete(sid);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.keys.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.keys.clear();
  }
}
