import { ChangeDetectionStrategy, Component, input, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ReadPurpose } from '../shared/record-files.service';
import { RecordListComponent } from '../shared/record-list.component';
import { PersonPipe } from '../shared/ui';
import { BreakGlassComponent } from './break-glass.component';
import { UploadComponent } from './upload.component';

@Component({
  selector: 'ehr-doctor-patient',
  imports: [RouterLink, RecordListComponent, UploadComponent, BreakGlassComponent, PersonPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <p>
        @if (from() === 'shared') {
          <a routerLink="/doctor/shared">Shared with me</a>
        } @else {
          <a routerLink="/doctor/patients">My patients</a>
        }
      </p>
      <h1>{{ patientId() | person: 'Patient' }}</h1>
      <p class="mono muted">{{ patientId() }}</p>
      <h2>Records you may see</h2>
      <ehr-record-list [patientId]="patientId()" [purpose]="purpose()">
        <p empty>
          No records of this patient are visible to you: none were written yet, or the patient has
          not shared any with you.
        </p>
      </ehr-record-list>
      <h2>Upload a report or prescription</h2>
      <ehr-upload [patientId]="patientId()" (uploaded)="list().reload()" />
      <h2>Emergency access</h2>
      <ehr-break-glass
        [patientId]="patientId()"
        (declared)="purpose.set('emergency'); list().reload()"
      />
    </div>
  `,
})
export class DoctorPatientPage {
  readonly patientId = input.required<string>();
  /** The list the doctor came from ("shared": Shared with me), for the way back. */
  readonly from = input<string>();
  readonly list = viewChild.required(RecordListComponent);
  /** Reads after a break-glass declaration are logged as emergency reads. */
  readonly purpose = signal<ReadPurpose>('treatment');
}
