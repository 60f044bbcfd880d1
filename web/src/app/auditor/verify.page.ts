// Runs verify (POST /audit/verify) and shows its report; the gateway records it as this
// hospital's last verification, which the Anchors page shows.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { firstValueFrom } from 'rxjs';
import type { VerifyReport } from '../api/generated/models/verify-report';
import { AuditService } from '../api/generated/services/audit.service';
import { type ShownError, describeError } from '../core/api-error';
import { ErrorBox, Loading } from '../shared/ui';

@Component({
  selector: 'ehr-verify',
  imports: [MatButtonModule, RouterLink, ErrorBox, Loading],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Verify the ledger</h1>
      <p>
        Fetches the ledger’s blocks from a peer, recomputes each block’s data hash and the header
        hash chain, and compares them with the anchors on Ethereum.
      </p>
      <button mat-flat-button (click)="run()" [disabled]="busy()">
        {{ busy() ? 'Verifying…' : 'Run verify' }}
      </button>
      @if (busy()) {
        <ehr-loading label="Verifying blocks against the anchors…" />
      }
      <ehr-error [error]="error()" />
      @if (last(); as v) {
        <section
          class="report"
          [class.bad]="!v.report.ok"
          data-testid="verify-report"
          aria-live="polite"
        >
          <h2>
            {{
              v.report.ok
                ? 'Passed: the ledger matches its anchors'
                : 'FAILED: the ledger does not match its anchors'
            }}
          </h2>
          <p>
            {{ v.report.blocksChecked }} blocks and {{ v.report.anchorsChecked }} anchors checked at
            {{ v.at.toLocaleString() }}.
          </p>
          @if (v.report.problems.length) {
            <h3>Problems</h3>
            <ul>
              @for (p of v.report.problems; track $index) {
                <li>{{ p }}</li>
              }
            </ul>
          }
          <p>
            <a routerLink="/auditor/anchors">See the coverage and the anchors</a>: this result is
            now this hospital’s last verification.
          </p>
        </section>
      }
    </div>
  `,
  styles: `
    .report {
      margin-top: 16px;
      padding: 8px 16px;
      border-radius: 8px;
      border-left: 6px solid #1b5e20;
      background: var(--mat-sys-surface-container);
    }
    .report.bad {
      border-left-color: var(--mat-sys-error);
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
  `,
})
export class VerifyPage {
  private readonly audit = inject(AuditService);
  /** This run's report (the gateway keeps the newest for the Anchors page). */
  readonly last = signal<{ report: VerifyReport; at: Date } | null>(null);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);

  async run(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      this.last.set({ report: await firstValueFrom(this.audit.runVerify()), at: new Date() });
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
