import { ChangeDetectionStrategy, Component } from '@angular/core';
import { myPersonId } from '../core/me';
import { RecordListComponent } from '../shared/record-list.component';

@Component({
  selector: 'ehr-patient-records',
  imports: [RecordListComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>My records</h1>
      <p class="muted">
        Every report and prescription written about you, at this hospital and at others that you
        allowed.
      </p>
      @if (me()) {
        <ehr-record-list [patientId]="me()" purpose="patient-access">
          <p empty>
            You have no records yet. They appear here as soon as a doctor uploads a report or
            prescription for you.
          </p>
        </ehr-record-list>
      }
    </div>
  `,
})
export class PatientRecordsPage {
  readonly me = myPersonId();
}
