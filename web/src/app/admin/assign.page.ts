// Assign a doctor to a patient (a ledger transaction signed by the admin), or end it.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { firstValueFrom } from 'rxjs';
import type { AssignmentResult } from '../api/generated/models/assignment-result';
import { AdminService } from '../api/generated/services/admin.service';
import { type ShownError, describeError } from '../core/api-error';
import { ErrorBox, PersonPipe } from '../shared/ui';
import { PersonPickerComponent } from './person-picker.component';

@Component({
  selector: 'ehr-assign',
  imports: [MatButtonModule, ErrorBox, PersonPipe, PersonPickerComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Assign doctors</h1>
      <p class="muted">
        An assigned doctor may read and add the patient’s records at this hospital. The assignment
        and its end are recorded on the ledger and the patient sees them.
      </p>
      <div class="pickers">
        <ehr-person-picker accountRole="patient" label="Patient" [(selected)]="patientId" />
        <ehr-person-picker accountRole="doctor" label="Doctor" [(selected)]="doctorId" />
      </div>
      <ehr-error [error]="error()" />
      @if (result(); as r) {
        <p role="status" class="ok" data-testid="assign-result">
          {{ r.assignment.doctorId | person: 'Doctor' }} is
          {{ r.assignment.active ? 'now assigned to' : 'no longer assigned to' }}
          {{ r.assignment.patientId | person: 'patient' }}. Ledger transaction
          <span class="mono">{{ r.transactionId.slice(0, 16) }}…</span>
        </p>
      }
      <div class="row">
        <button
          mat-flat-button
          (click)="assign(true)"
          [disabled]="busy() || !patientId() || !doctorId()"
        >
          Assign
        </button>
        <button
          mat-stroked-button
          (click)="assign(false)"
          [disabled]="busy() || !patientId() || !doctorId()"
        >
          End assignment
        </button>
      </div>
    </div>
  `,
  styles: `
    .pickers {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
      gap: 16px;
      max-width: 720px;
    }
    .ok {
      color: #1b5e20;
    }
  `,
})
export class AssignPage {
  private readonly admin = inject(AdminService);
  readonly patientId = signal<string | null>(null);
  readonly doctorId = signal<string | null>(null);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly result = signal<AssignmentResult | null>(null);

  async assign(on: boolean): Promise<void> {
    const patientId = this.patientId();
    const doctorId = this.doctorId();
    if (!patientId || !doctorId) return;
    this.busy.set(true);
    this.error.set(null);
    this.result.set(null);
    try {
      const body = { patientId, doctorId };
      this.result.set(
        await firstValueFrom(
          on ? this.admin.assignDoctor({ body }) : this.admin.endAssignment(body),
        ),
      );
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
