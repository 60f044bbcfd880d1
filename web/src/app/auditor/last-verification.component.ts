// The newest verify run at this hospital's gateway: passed (green) or failed (red, with the first
// mismatch), when and by whom, and what was checked. The verdict is in words, not colour alone.
import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { VerificationResult } from '../api/generated/models/verification-result';
import { EmptyState, WhenPipe } from '../shared/ui';

@Component({
  selector: 'ehr-last-verification',
  imports: [RouterLink, EmptyState, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (result(); as v) {
      <section
        class="verdict"
        [class.bad]="!v.ok"
        data-testid="last-verification"
        [attr.data-ok]="v.ok"
        aria-label="Last verification"
      >
        <p class="result">
          <span aria-hidden="true">{{ v.ok ? '✔' : '✘' }}</span>
          {{
            v.ok
              ? 'Passed: the ledger matched its anchors'
              : 'FAILED: the ledger did not match its anchors'
          }}
        </p>
        <p>
          Checked on <span data-testid="checked-at">{{ v.checkedAt | when }}</span>{{ byWhom() }}.
          {{ v.blocksChecked }} of {{ v.ledgerHeight }} blocks checked; {{ v.anchorsMatched }} of
          {{ v.anchorsChecked }} anchors matched.
        </p>
        @if (v.firstMismatch; as m) {
          <p data-testid="first-mismatch">
            <strong>First mismatch at block {{ m.block }}:</strong> {{ m.reason }}
          </p>
        } @else if (!v.ok && v.anchorsChecked === 0) {
          <p>No anchor was recorded yet: nothing proved the history.</p>
        }
        <p><a routerLink="/auditor/verify">Run verify again</a></p>
      </section>
    } @else {
      <ehr-empty data-testid="last-verification"
        >No verification has been run at this hospital yet.
        <a routerLink="/auditor/verify">Run verify</a> to check every block of the ledger against
        the anchors.</ehr-empty
      >
    }
  `,
  styles: `
    .verdict {
      padding: 4px 16px;
      border-radius: 8px;
      border-left: 6px solid #1b5e20;
      background: #e8f5e9;
      color: #1b5e20;
    }
    .verdict.bad {
      border-left-color: var(--mat-sys-error);
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    .verdict a {
      color: inherit;
    }
    .result {
      font: var(--mat-sys-title-medium);
    }
  `,
})
export class LastVerificationComponent {
  readonly result = input.required<VerificationResult | null>();
  readonly byWhom = computed(() => {
    const by = this.result()?.checkedBy;
    return by ? ` by ${by.fullName} (${by.username})` : '';
  });
}
