import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import type { Assignment } from '../api/generated/models/assignment';
import { CareService } from '../api/generated/services/care.service';
import { type ShownError, describeError } from '../core/api-error';
import { myPersonId } from '../core/me';
import {
  EmptyState,
  ErrorBox,
  Loading,
  PersonDetailPipe,
  PersonPipe,
  WhenPipe,
} from '../shared/ui';

@Component({
  selector: 'ehr-patient-doctors',
  imports: [ErrorBox, EmptyState, Loading, PersonPipe, PersonDetailPipe, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>My doctors</h1>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Loading your doctors…" />
      } @else if (!error()) {
        <h2>Now</h2>
        @if (current().length) {
          <ul class="cards">
            @for (a of current(); track a.doctorId) {
              <li>
                <strong>{{ a.doctorId | person: 'Doctor' }}</strong>
                <span>{{ a.doctorId | personDetail }}</span>
                <span class="muted"
                  >since
                  {{ a.episodes[a.episodes.length - 1]?.assignedAt | when: 'd MMM yyyy' }}</span
                >
              </li>
            }
          </ul>
        } @else {
          <ehr-empty
            >No doctor is assigned to you right now. The hospital’s admin assigns doctors when you
            are treated.</ehr-empty
          >
        }
        <h2>Before</h2>
        @if (history().length) {
          <div class="table-wrap">
            <table class="data">
              <caption class="visually-hidden">
                Every period a doctor was assigned to you
              </caption>
              <thead>
                <tr>
                  <th scope="col">Doctor</th>
                  <th scope="col">From</th>
                  <th scope="col">Until</th>
                </tr>
              </thead>
              <tbody>
                @for (p of history(); track $index) {
                  <tr>
                    <td>{{ p.doctorId | person: 'Doctor' }}</td>
                    <td>{{ p.from | when: 'd MMM yyyy' }}</td>
                    <td>{{ p.until ? (p.until | when: 'd MMM yyyy') : 'now' }}</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        } @else {
          <ehr-empty>No earlier doctors.</ehr-empty>
        }
      }
    </div>
  `,
  styles: `
    .cards > li {
      display: flex;
      flex-direction: column;
    }
  `,
})
export class PatientDoctorsPage {
  private readonly care = inject(CareService);
  private readonly me = myPersonId();
  readonly assignments = signal<Assignment[]>([]);
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);
  readonly current = computed(() => this.assignments().filter((a) => a.active));
  /** Every period, newest first. */
  readonly history = computed(() =>
    this.assignments()
      .flatMap((a) =>
        a.episodes.map((e) => ({ doctorId: a.doctorId, from: e.assignedAt, until: e.endedAt })),
      )
      .sort((x, y) => y.from.localeCompare(x.from)),
  );

  constructor() {
    this.care.listPatientDoctors({ patientId: this.me() }).subscribe({
      next: (a) => {
        this.assignments.set(a);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }
}
