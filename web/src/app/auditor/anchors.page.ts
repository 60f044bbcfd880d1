// The auditor's main page (GET /audit/overview): the last verification at this hospital, how
// many blocks are not yet anchored and the coverage over time, then every anchor with the link
// to its Ethereum transaction (Etherscan, or the portal's own explorer pages on the local chain).
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AuditOverview } from '../api/generated/models/audit-overview';
import { AuditService } from '../api/generated/services/audit.service';
import { type ShownError, describeError } from '../core/api-error';
import { EmptyState, ErrorBox, HospitalPipe, Loading, WhenPipe } from '../shared/ui';
import { CoverageChartComponent } from './coverage-chart.component';
import { LastVerificationComponent } from './last-verification.component';

@Component({
  selector: 'ehr-anchors',
  imports: [
    RouterLink,
    ErrorBox,
    EmptyState,
    Loading,
    WhenPipe,
    HospitalPipe,
    CoverageChartComponent,
    LastVerificationComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Ledger anchors on Ethereum</h1>
      <p class="muted">
        Each anchor records a block’s header hash in the anchor contract; because each header
        contains the previous one’s hash, it vouches for every block before it.
      </p>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Loading anchors…" />
      } @else if (overview(); as o) {
        <h2>Last verification</h2>
        <ehr-last-verification [result]="o.lastVerification ?? null" />

        <h2>Coverage</h2>
        <p class="figure" data-testid="coverage-figure">
          @if (o.coverage.blocksNotAnchored !== undefined) {
            <strong>{{ o.coverage.blocksNotAnchored }}</strong>
            {{ o.coverage.blocksNotAnchored === 1 ? 'block' : 'blocks' }} not yet anchored
            <span class="muted">
              of {{ o.coverage.ledgerHeight }} in the ledger
              @if (o.coverage.lastAnchoredBlock !== undefined) {
                (newest anchored block: {{ o.coverage.lastAnchoredBlock }})
              }
            </span>
          } @else {
            The ledger’s height is unknown: this hospital’s peer did not answer. The anchors below
            are read from Ethereum.
          }
        </p>
        @if (o.anchors.length) {
          <ehr-coverage-chart [anchors]="o.anchors" [coverage]="o.coverage" />
        }

        <h2>Anchors</h2>
        @if (o.anchors.length) {
          <div class="table-wrap">
            <table class="data" data-testid="anchors">
              <caption class="visually-hidden">
                Anchors, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Block</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Anchored</th>
                  <th scope="col">By</th>
                  <th scope="col">Header hash</th>
                  <th scope="col">Ethereum transaction</th>
                </tr>
              </thead>
              <tbody>
                @for (a of o.anchors; track a.ethTxHash) {
                  <tr>
                    <td>{{ a.blockNumber }}</td>
                    <td>{{ a.channel }}</td>
                    <td>{{ a.anchoredAt | when }}</td>
                    <td>{{ a.member | hospital }}</td>
                    <td class="mono">{{ a.headerHash.slice(0, 18) }}…</td>
                    <td class="mono">
                      @if (a.explorerUrl) {
                        <a [href]="a.explorerUrl" target="_blank" rel="noopener noreferrer"
                          >{{ a.ethTxHash.slice(0, 18) }}…
                          <span class="visually-hidden"
                            >(opens the block explorer in a new tab)</span
                          ></a
                        >
                      } @else {
                        {{ a.ethTxHash.slice(0, 18) }}…
                      }
                    </td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
          <p class="muted">
            Anchor contract:
            <a
              class="mono"
              [href]="o.contract.explorerUrl"
              target="_blank"
              rel="noopener noreferrer"
              >{{ o.contract.address
              }}<span class="visually-hidden"> (opens the block explorer in a new tab)</span></a
            >
            on {{ o.chain.kind === 'local' ? 'the local chain' : 'chain ' + o.chain.chainId }}.
          </p>
        } @else {
          <ehr-empty
            >No anchors yet. The anchoring service records one every few blocks or minutes; check
            back shortly, then <a routerLink="/auditor/verify">run verify</a>.</ehr-empty
          >
        }
      }
    </div>
  `,
  styles: `
    .figure {
      font: var(--mat-sys-body-large);
    }
    .figure strong {
      font: var(--mat-sys-headline-small);
    }
  `,
})
export class AnchorsPage {
  private readonly audit = inject(AuditService);
  readonly overview = signal<AuditOverview | null>(null);
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);

  constructor() {
    this.audit.getAuditOverview().subscribe({
      next: (o) => {
        this.overview.set(o);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }
}
