// One record: its metadata and its file. Every signed-in role may ask; the gateway and the
// chaincode decide (a hospital admin, for one, is refused there).
import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { RecordsService } from '../api/generated/services/records.service';
import { type ShownError, describeError } from '../core/api-error';
import { HOME_OF, SessionService } from '../core/session.service';
import { RecordFilesService } from './record-files.service';
import { BytesPipe, ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from './ui';

@Component({
  selector: 'ehr-record',
  imports: [
    RouterLink,
    MatButtonModule,
    ErrorBox,
    Loading,
    PersonPipe,
    HospitalPipe,
    WhenPipe,
    BytesPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Record</h1>
      @if (loading()) {
        <ehr-loading label="Loading the record…" />
      }
      <ehr-error [error]="error()" />
      @if (meta(); as m) {
        <dl class="meta">
          <dt>Category</dt>
          <dd>{{ m.category }}</dd>
          @if (m.remark) {
            <dt>Remark</dt>
            <dd class="remark" data-testid="remark">{{ m.remark }}</dd>
          }
          <dt>Written by</dt>
          <dd>{{ m.authorId | person: 'Doctor' }}</dd>
          <dt>Hospital</dt>
          <dd>{{ m.authorMsp | hospital }}</dd>
          <dt>Date</dt>
          <dd>{{ m.createdAt | when }}</dd>
          <dt>Type and size</dt>
          <dd>{{ m.mediaType }}, {{ m.size | bytes }}</dd>
          <dt>Ledger transaction</dt>
          <dd class="mono">{{ m.txId }}</dd>
        </dl>
        <button mat-flat-button (click)="open()" [disabled]="opening()">
          {{ opening() ? 'Opening…' : 'Open / download' }}
        </button>
        <p class="muted">
          Opening the file is recorded on the ledger; the patient sees every read.
        </p>
      }
      <p><a [routerLink]="home()">Back</a></p>
    </div>
  `,
  styles: `
    .meta {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 4px 16px;
    }
    dt {
      font-weight: 600;
    }
    dd {
      margin: 0;
    }
    .remark {
      white-space: pre-line;
      overflow-wrap: anywhere;
    }
  `,
})
export class RecordPage {
  private readonly records = inject(RecordsService);
  private readonly files = inject(RecordFilesService);
  private readonly session = inject(SessionService);
  readonly recordId = input.required<string>();
  readonly meta = signal<RecordMeta | null>(null);
  readonly loading = signal(true);
  readonly opening = signal(false);
  readonly error = signal<ShownError | null>(null);

  constructor() {
    effect(() => {
      const id = this.recordId();
      this.loading.set(true);
      this.records.getRecord({ recordId: id }).subscribe({
        next: (m) => {
          this.meta.set(m);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.error.set(describeError(e));
          this.loading.set(false);
        },
      });
    });
  }

  home(): string {
    const u = this.session.user();
    return u ? HOME_OF[u.role] : '/login';
  }

  async open(): Promise<void> {
    this.opening.set(true);
    const role = this.session.user()?.role;
    this.error.set(
      await this.files.download(
        this.recordId(),
        role === 'patient' ? 'patient-access' : 'treatment',
      ),
    );
    this.opening.set(false);
  }
}
