import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Anchor } from '../api/generated/models/anchor';
import { AuditService } from '../api/generated/services/audit.service';
import { type ShownError, describeError } from '../core/api-error';
import { EmptyState, ErrorBox, Loading, WhenPipe } from '../shared/ui';
import { CoverageChartComponent } from './coverage-chart.component';
import { VerifyReportStore } from './verify-report.store';

@Component({
  selector: 'ehr-anchors',
  imports: [RouterLink, ErrorBox, EmptyState, Loading, WhenPipe, CoverageChartComponent],
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
      } @else if (anchors().length) {
        <h2>Coverage</h2>
        <ehr-coverage-chart [anchors]="anchors()" [height]="height()" />
        @if (height() === null) {
          <p>
            <a routerLink="/auditor/verify">Run verify</a> to compare with the ledger’s current
            height.
          </p>
        }
        <h2>Anchors</h2>
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
                <th scope="col">Header hash</th>
                <th scope="col">Ethereum transaction</th>
              </tr>
            </thead>
            <tbody>
              @for (a of anchors(); track a.ethTxHash) {
                <tr>
                  <td>{{ a.blockNumber }}</td>
                  <td>{{ a.channel }}</td>
                  <td>{{ a.anchoredAt | when }}</td>
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
      } @else if (!error()) {
        <ehr-empty
          >No anchors yet. The anchoring service records one every few blocks or minutes; check back
          shortly.</ehr-empty
        >
      }
    </div>
  `,
})
export class AnchorsPage {
  private readonly audit = inject(AuditService);
  private readonly verified = inject(VerifyReportStore);
  readonly anchors = signal<Anchor[]>([]);
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);
  readonly height = computed(() => this.verified.last()?.report.blocksChecked ?? null);

  constructor() {
    this.audit.listAnchors().subscribe({
      next: (l) => {
        this.anchors.set([...l.items].sort((a, b) => b.blockNumber - a.blockNumber));
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }
}
