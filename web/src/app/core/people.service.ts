// Names for ledger ids and hospitals' display names, as far as the signed-in person may know
// them: the gateway decides (GET /directory/people gives doctors' names from the ledger's
// directory, and a patient's name only at their own hospital to people caring for them). The
// ids asked for while a page renders go in one request; answers are kept until the person
// changes. Until an answer comes, and wherever no name may be given, a neutral label is shown.
import { Injectable, inject, signal } from '@angular/core';
import type { DirectoryHospital } from '../api/generated/models/directory-hospital';
import type { PersonLabel } from '../api/generated/models/person-label';
import { DirectoryService } from '../api/generated/services/directory.service';
import { SessionService } from './session.service';

interface Answers<T> {
  owner?: string;
  map: ReadonlyMap<string, T>;
}

/** The gateway's limit of ids per request. */
const BATCH = 100;

/** A hospital's MSP id as a last resort: "Hospital2MSP" → "Hospital2". */
export const mspShortName = (mspId: string) => mspId.replace(/MSP$/, '');

/**
 * How a person is shown: their name when the gateway gave one; otherwise `kind` (e.g. "Doctor"),
 * the first characters of their ledger uid (enough to tell two people apart when read aloud) and
 * their hospital.
 */
export function personText(
  id: string,
  label: PersonLabel | undefined,
  hospitalName: (mspId: string) => string,
  kind = '',
): string {
  if (label?.name) return label.name;
  const slash = id.indexOf('/');
  if (slash < 0) return id;
  const short = `${id.slice(slash + 1, slash + 9)} (${hospitalName(id.slice(0, slash))})`;
  return kind ? `${kind} ${short}` : short;
}

@Injectable({ providedIn: 'root' })
export class PeopleService {
  private readonly api = inject(DirectoryService);
  private readonly session = inject(SessionService);
  /** Answers, with the person they were given to (never shown to anyone else). */
  private readonly labels = signal<Answers<PersonLabel>>({ map: new Map() });
  private readonly hospitals = signal<Answers<DirectoryHospital>>({ map: new Map() });
  /** Ids already asked for (answered or not): each is asked once per person signed in. */
  private asked = new Set<string>();
  private pending: string[] = [];
  private hospitalsAsked = false;
  private owner: string | undefined;

  /** What the gateway said about `id` (undefined until it answered). Asks for it when new. */
  label(id: string): PersonLabel | undefined {
    this.forgetOnPersonChange();
    const known = this.mine(this.labels()).get(id);
    if (!known && !this.asked.has(id) && this.owner) {
      this.asked.add(id);
      if (this.pending.push(id) === 1) queueMicrotask(() => this.flush());
    }
    return known;
  }

  /** `personText` for `id` with what is known now. */
  text(id: string, kind = ''): string {
    return personText(id, this.label(id), (msp) => this.hospitalName(msp), kind);
  }

  /** A member hospital's display name (its MSP id without "MSP" until the list arrived). */
  hospitalName(mspId: string): string {
    return this.memberHospitals().get(mspId)?.displayName ?? mspShortName(mspId);
  }

  /** The consortium's member hospitals by MSP id (asked for on first use). */
  memberHospitals(): ReadonlyMap<string, DirectoryHospital> {
    this.forgetOnPersonChange();
    if (!this.hospitalsAsked && this.owner) {
      this.hospitalsAsked = true;
      const owner = this.owner;
      queueMicrotask(() =>
        this.api.listDirectoryHospitals().subscribe({
          next: (l) =>
            this.hospitals.set({ owner, map: new Map(l.items.map((h) => [h.mspId, h])) }),
          error: () => undefined, // the MSP ids stay readable
        }),
      );
    }
    return this.mine(this.hospitals());
  }

  private mine<T>(answers: Answers<T>): ReadonlyMap<string, T> {
    return answers.owner === this.owner ? answers.map : new Map();
  }

  /** Someone else signed in (or nobody): what the previous person could see is dropped. */
  private forgetOnPersonChange(): void {
    const who = this.session.user()?.id;
    if (who === this.owner) return;
    this.owner = who;
    this.asked = new Set();
    this.pending = [];
    this.hospitalsAsked = false;
  }

  private flush(): void {
    const ids = this.pending;
    this.pending = [];
    const owner = this.owner;
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      this.api.describePeople({ ids: batch }).subscribe({
        next: (l) => {
          if (owner !== this.owner) return;
          const known = this.mine(this.labels());
          const map = new Map([...known, ...l.items.map((p) => [p.personId, p] as const)]);
          this.labels.set({ owner, map });
        },
        // Unanswered ids keep their neutral label (asking again at every render would flood
        // a gateway that is already failing).
        error: () => undefined,
      });
    }
  }
}
