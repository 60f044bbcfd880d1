// The access log across patients: metadata only (who, which record id, when, on what basis).
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { endOfDay, parse, startOfDay } from 'date-fns';
import type { AccessEvent } from '../api/generated/models/access-event';
import { AuditService } from '../api/generated/services/audit.service';
import { type ShownError, describeError } from '../core/api-error';
import { EmptyState, ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from '../shared/ui';

@Component({
  selector: 'ehr-access-log',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    ErrorBox,
    EmptyState,
    Loading,
    PersonPipe,
    HospitalPipe,
    WhenPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Access log</h1>
      <form class="row" [formGroup]="range" (ngSubmit)="reload()">
        <mat-form-field appearance="outline">
          <mat-label>From</mat-label>
          <input matInput type="date" formControlName="from" />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>To</mat-label>
          <input matInput type="date" formControlName="to" />
        </mat-form-field>
        <button mat-stroked-button type="submit">Show</button>
      </form>
      <ehr-error [error]="error()" />
      @if (events().length) {
        <div class="table-wrap">
          <table class="data" data-testid="access-log">
            <caption class="visually-hidden">
              Reads of records
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Reader</th>
                <th scope="col">Hospital</th>
                <th scope="col">Patient</th>
                <th scope="col">Record</th>
                <th scope="col">Purpose</th>
                <th scope="col">Basis</th>
              </tr>
            </thead>
            <tbody>
              @for (e of events(); track e.eventId) {
                <tr [class.glass]="e.basis.type === 'break-glass'">
                  <td>{{ e.at | when }}</td>
                  <td>{{ e.readerRole }} {{ e.readerId | person }}</td>
                  <td>{{ e.readerMsp | hospital }}</td>
                  <td>{{ e.patientId | person }}</td>
                  <td class="mono">{{ e.recordId.slice(0, 8) }}</td>
                  <td>{{ e.purpose }}</td>
                  <td>
                    @if (e.basis.type === 'break-glass') {
                      <span class="badge danger">break-glass</span> {{ e.basis.reason }}
                    } @else {
                      {{ e.basis.type }}
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
        @if (bookmark()) {
          <button mat-button (click)="load(bookmark())" [disabled]="loading()">Show more</button>
        }
      } @else if (!loading() && !error()) {
        <ehr-empty>No reads in this period.</ehr-empty>
      }
      @if (loading()) {
        <ehr-loading label="Loading the access log…" />
      }
    </div>
  `,
  styles: `
    tr.glass {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
  `,
})
export class AccessLogPage {
  private readonly audit = inject(AuditService);
  readonly events = signal<AccessEvent[]>([]);
  readonly bookmark = signal('');
  readonly loading = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly range = new FormGroup({
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
  });

  constructor() {
    this.reload();
  }

  reload(): void {
    this.events.set([]);
    this.load('');
  }

  load(bookmark: string): void {
    const { from, to } = this.range.getRawValue();
    const day = (s: string) => parse(s, 'yyyy-MM-dd', new Date());
    this.loading.set(true);
    this.error.set(null);
    this.audit
      .listAllAccessEvents({
        ...(from ? { from: startOfDay(day(from)).toISOString() } : {}),
        ...(to ? { to: endOfDay(day(to)).toISOString() } : {}),
        ...(bookmark ? { bookmark } : {}),
      })
      .subscribe({
        next: (p) => {
          this.events.update((old) => [...old, ...p.items]);
          this.bookmark.set(p.bookmark);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.error.set(describeError(e));
          this.loading.set(false);
        },
      });
  }
}
