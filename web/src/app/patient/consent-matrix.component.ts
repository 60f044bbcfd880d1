// The consent matrix: records × grantees, who can see what today. Drawn as a table of coloured
// cells with words in them, so it reads the same to a screen reader as it looks.
import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { Consent } from '../api/generated/models/consent';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { granteeLabel, isActive } from './consents';
import { WhenPipe } from '../shared/ui';

@Component({
  selector: 'ehr-consent-matrix',
  imports: [WhenPipe],
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
            @for (g of grantees(); track g.key) {
              <th scope="col">{{ g.label }}</th>
            }
          </tr>
        </thead>
        <tbody>
          @for (r of records(); track r.recordId) {
            <tr>
              <th scope="row">{{ r.category }}, {{ r.createdAt | when: 'd MMM yyyy' }}</th>
              @for (g of grantees(); track g.key) {
                @let until = cell(r, g.key);
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

  private readonly active = computed(() => this.consents().filter((c) => isActive(c)));
  readonly grantees = computed(() => {
    const seen = new Map<string, string>();
    for (const c of this.active()) seen.set(granteeKey(c), granteeLabel(c.grantee));
    return [...seen].map(([key, label]) => ({ key, label }));
  });

  /** null: no access; '': access without end; else the latest end date. */
  cell(r: RecordMeta, key: string): string | null {
    let best: string | null = null;
    for (const c of this.active()) {
      if (granteeKey(c) !== key) continue;
      if (c.scope.type === 'records' && !c.scope.recordIds.includes(r.recordId)) continue;
      if (!c.notAfter) return '';
      if (best === null || c.notAfter > best) best = c.notAfter;
    }
    return best;
  }
}

function granteeKey(c: Consent): string {
  return c.grantee.type === 'doctor' ? `d:${c.grantee.doctorId}` : `h:${c.grantee.mspId}`;
}
