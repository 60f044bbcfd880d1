// "Who saw my records": every read of the patient's records (the ledger's access log, the
// accounting of disclosures), newest first; emergency (break-glass) reads stand out with the
// doctor's stated reason. The patient can export the list.
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { format, parseISO } from 'date-fns';
import { firstValueFrom } from 'rxjs';
import type { AccessEvent } from '../api/generated/models/access-event';
import type { BreakGlass } from '../api/generated/models/break-glass';
import { AccessService } from '../api/generated/services/access.service';
import { type ShownError, describeError } from '../core/api-error';
import { myPersonId } from '../core/me';
import { PeopleService } from '../core/people.service';
import { EmptyState, ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from '../shared/ui';

const BASIS: Record<AccessEvent['basis']['type'], string> = {
  self: 'you',
  author: 'wrote it',
  assignment: 'your assigned doctor',
  grant: 'you shared it',
  'break-glass': 'EMERGENCY ACCESS',
};

@Component({
  selector: 'ehr-access',
  imports: [MatButtonModule, ErrorBox, EmptyState, Loading, PersonPipe, HospitalPipe, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Who saw my records</h1>
      <p class="muted">
        Every time someone opened one of your records, the ledger recorded who, when and why. Nobody
        can remove these entries.
      </p>
      <ehr-error [error]="error()" />

      @if (breakGlass().length) {
        <h2>Emergency accesses</h2>
        <ul class="bg">
          @for (b of breakGlass(); track b.breakGlassId) {
            <li class="glass">
              <strong>{{ b.doctorId | person: 'Doctor' }}</strong> declared an emergency on
              {{ b.declaredAt | when }} (valid until {{ b.expiresAt | when }}):
              <q>{{ b.reason }}</q>
            </li>
          }
        </ul>
      }

      <div class="row head">
        <h2>Reads</h2>
        @if (events().length) {
          <button mat-stroked-button (click)="export()">Export as CSV</button>
        }
      </div>
      @if (days().length) {
        <ol class="timeline" data-testid="access-timeline">
          @for (d of days(); track d.day) {
            <li>
              <h3>{{ d.day }}</h3>
              <ul>
                @for (e of d.events; track e.eventId) {
                  <li
                    [class.glass]="e.basis.type === 'break-glass'"
                    [attr.data-basis]="e.basis.type"
                  >
                    <time [attr.datetime]="e.at">{{ e.at | when: 'HH:mm' }}</time>
                    <span>
                      <strong>{{
                        e.readerRole === 'patient' ? 'You' : (e.readerId | person: 'Doctor')
                      }}</strong>
                      at {{ e.readerMsp | hospital }} opened record
                      <span class="mono">{{ e.recordId.slice(0, 8) }}</span> for {{ e.purpose }} —
                      {{ basis(e) }}
                      @if (e.basis.type === 'break-glass' && e.basis.reason) {
                        <br />Reason given: <q>{{ e.basis.reason }}</q>
                      }
                    </span>
                  </li>
                }
              </ul>
            </li>
          }
        </ol>
        @if (bookmark()) {
          <button mat-button (click)="more()" [disabled]="loading()">Show older reads</button>
        }
      } @else if (!loading() && !error()) {
        <ehr-empty>Nobody has opened your records yet. Each read will appear here.</ehr-empty>
      }
      @if (loading()) {
        <ehr-loading label="Loading the access log…" />
      }
    </div>
  `,
  styles: `
    .head {
      justify-content: space-between;
    }
    .timeline {
      list-style: none;
      padding: 0;
      border-left: 3px solid var(--mat-sys-outline-variant);
      margin-left: 8px;
    }
    .timeline > li {
      padding-left: 16px;
    }
    h3 {
      font: var(--mat-sys-title-small);
      margin: 16px 0 4px;
    }
    .timeline ul,
    .bg {
      list-style: none;
      padding: 0;
    }
    .timeline ul li {
      display: flex;
      gap: 12px;
      padding: 6px 8px;
      border-radius: 6px;
    }
    .glass {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
      border-left: 6px solid var(--mat-sys-error);
      padding: 8px 12px;
      border-radius: 6px;
      margin-bottom: 6px;
    }
    time {
      font-variant-numeric: tabular-nums;
      min-width: 3em;
    }
  `,
})
export class AccessPage {
  private readonly access = inject(AccessService);
  private readonly people = inject(PeopleService);
  private readonly me = myPersonId();
  readonly events = signal<AccessEvent[]>([]);
  readonly breakGlass = signal<BreakGlass[]>([]);
  readonly bookmark = signal('');
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);

  readonly days = computed(() => {
    const groups = new Map<string, AccessEvent[]>();
    for (const e of [...this.events()].sort((a, b) => b.at.localeCompare(a.at))) {
      const day = format(parseISO(e.at), 'EEEE d MMMM yyyy');
      groups.set(day, [...(groups.get(day) ?? []), e]);
    }
    return [...groups].map(([day, events]) => ({ day, events }));
  });

  constructor() {
    void this.load();
  }

  basis(e: AccessEvent): string {
    return BASIS[e.basis.type];
  }

  async load(): Promise<void> {
    this.loading.set(true);
    try {
      const [page, bg] = await Promise.all([
        firstValueFrom(this.access.listPatientAccessEvents({ patientId: this.me() })),
        firstValueFrom(this.access.listBreakGlass({ patientId: this.me() })),
      ]);
      this.events.set(page.items);
      this.bookmark.set(page.bookmark);
      this.breakGlass.set(bg.items);
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.loading.set(false);
    }
  }

  async more(): Promise<void> {
    this.loading.set(true);
    try {
      const page = await firstValueFrom(
        this.access.listPatientAccessEvents({ patientId: this.me(), bookmark: this.bookmark() }),
      );
      this.events.update((old) => [...old, ...page.items]);
      this.bookmark.set(page.bookmark);
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.loading.set(false);
    }
  }

  export(): void {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lines = [
      'time,reader,reader name,reader hospital,reader role,record,purpose,basis,reason',
      ...this.events().map((e) =>
        [
          e.at,
          e.readerId,
          this.people.text(e.readerId),
          this.people.hospitalName(e.readerMsp),
          e.readerRole,
          e.recordId,
          e.purpose,
          e.basis.type,
          e.basis.reason ?? '',
        ]
          .map(q)
          .join(','),
      ),
    ];
    const url = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `access-log-${format(new Date(), 'yyyy-MM-dd')}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
