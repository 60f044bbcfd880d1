import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router, RouterLink } from '@angular/router';
import { CareService } from '../api/generated/services/care.service';
import { type ShownError, describeError } from '../core/api-error';
import { rule } from '../core/field-rules';
import { myPersonId } from '../core/me';
import { EmptyState, ErrorBox, Loading, PersonPipe } from '../shared/ui';

@Component({
  selector: 'ehr-doctor-patients',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    ErrorBox,
    EmptyState,
    Loading,
    PersonPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>My patients</h1>
      <p>
        Patients find you by name in the consortium’s directory to share records with you; those who
        did are under <a routerLink="/doctor/shared">Shared with me</a>. Your ledger ID:
        <span class="mono" data-testid="my-person-id">{{ me() }}</span>
        <button mat-button (click)="copy()">{{ copied() ? 'Copied' : 'Copy' }}</button>
      </p>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Loading your patients…" />
      } @else if (patients().length) {
        <ul class="list" data-testid="patients">
          @for (p of patients(); track p) {
            <li>
              <a [routerLink]="['/doctor/patients', p]">{{ p | person: 'Patient' }}</a>
            </li>
          }
        </ul>
      } @else if (!error()) {
        <ehr-empty
          >No patients are assigned to you yet. The hospital’s admin assigns patients; patients who
          share records with you are under
          <a routerLink="/doctor/shared">Shared with me</a>.</ehr-empty
        >
      }

      <h2>Open a patient by ledger ID</h2>
      <form class="form" (ngSubmit)="openOther()" novalidate>
        <mat-form-field appearance="outline">
          <mat-label>The patient’s ledger ID</mat-label>
          <input
            matInput
            [formControl]="other"
            autocomplete="off"
            spellcheck="false"
            placeholder="Hospital1MSP/…"
          />
          @if (other.invalid) {
            <mat-error>Looks like Hospital1MSP/ followed by letters, digits and dashes.</mat-error>
          }
        </mat-form-field>
        <button mat-stroked-button type="submit">Open</button>
      </form>
    </div>
  `,
  styles: `
    .list {
      padding-left: 20px;
      line-height: 2;
    }
  `,
})
export class DoctorPatientsPage {
  private readonly care = inject(CareService);
  private readonly router = inject(Router);
  readonly me = myPersonId();
  readonly patients = signal<string[]>([]);
  readonly loading = signal(true);
  readonly copied = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly other = new FormControl('', { nonNullable: true, validators: rule('PersonId') });

  constructor() {
    this.care.listMyPatients().subscribe({
      next: (l) => {
        this.patients.set(l.items);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }

  copy(): void {
    void navigator.clipboard?.writeText(this.me()).then(() => this.copied.set(true));
  }

  openOther(): void {
    this.other.markAsTouched();
    if (this.other.valid) void this.router.navigate(['/doctor/patients', this.other.value.trim()]);
  }
}
