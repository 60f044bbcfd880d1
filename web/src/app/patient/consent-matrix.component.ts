// The consent matrix: records × grantees, who can see what today. Drawn as a table of coloured
// cells with words in them, so it reads the same to a screen reader as it looks.
import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { Consent } from '../api/generated/models/consent';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { GranteePipe, consentMatrix } from './consents';
import { WhenPipe } from '../shared/ui';

@Component({
  selector: 'ehr-consent-matrix',
  imports: [WhenPipe, GranteePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="table-wrap">
      <table class="matrix" data-testid="consent-matrix">
        <caption>
          Who can see which record today (besides you and the doctors who wrote them)
        </caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            @for (g of matrix().columns; track g.key) {
              <th scope="col">{{ g.grantee | grantee }}</th>
            }
          </tr>
        </thead>
        <tbody>
          @for (row of matrix().rows; track row.record.recordId) {
            <tr>
              <th scope="row">
                {{ row.record.category }}, {{ row.record.createdAt | when: 'd MMM yyyy' }}
              </th>
              @for (until of row.cells; track $index) {
                <td [class.yes]="until !== null">
                  @if (until === null) {
                    <span class="no">no</span>
                  } @else if (until === '') {
                    yes
                  } @else {
                    until {{ until | when: 'd MMM yyyy' }}
                  }
                </td>
              }
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
  styles: `
    .matrix {
      border-collapse: separate;
      border-spacing: 3px;
    }
    th {
      text-align: left;
      font: var(--mat-sys-label-large);
      padding: 4px 8px;
    }
    td {
      min-width: 96px;
      padding: 8px;
      border-radius: 4px;
      text-align: center;
      background: var(--mat-sys-surface-container-high);
      color: var(--mat-sys-on-surface-variant);
    }
    td.yes {
      background: #1b5e20;
      color: #fff;
      font-weight: 600;
    }
  `,
})
export class ConsentMatrixComponent {
  readonly records = input.required<RecordMeta[]>();
  readonly consents = input.required<Consent[]>();
  readonly matrix = computed(() => consentMatrix(this.records(), this.consents()));
}
