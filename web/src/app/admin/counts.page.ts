// Counts per member hospital, from the ledger (directory:ListHospitalCounts): numbers only — no
// record, no patient, no name — as a table (what a screen reader reads) and a small chart.
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  type ElementRef,
  computed,
  effect,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import type { HospitalCounts } from '../api/generated/models/hospital-counts';
import { DirectoryService } from '../api/generated/services/directory.service';
import { type ShownError, describeError } from '../core/api-error';
import { EmptyState, ErrorBox, Loading } from '../shared/ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

type Measure = Exclude<keyof HospitalCounts, 'mspId' | 'displayName'>;

export const MEASURES: { key: Measure; label: string }[] = [
  { key: 'doctorsListed', label: 'Doctors listed' },
  { key: 'patientsWithRecords', label: 'Patients with records' },
  { key: 'recordsAuthored', label: 'Records written' },
  { key: 'activeGrantsByPatients', label: 'Grants in force' },
  { key: 'readsByMembers', label: 'Record reads' },
  { key: 'breakGlassDeclared', label: 'Emergency accesses' },
];

const some = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Distinguishable in grey scale too (dark, light, medium), for up to six hospitals. */
const COLOURS = ['#1a4f8b', '#8fb8e8', '#4d7fbf', '#0b2a4a', '#c4dafa', '#2f6aa8'];

@Component({
  selector: 'ehr-counts',
  imports: [ErrorBox, EmptyState, Loading],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Counts per hospital</h1>
      <p class="muted">
        From the shared ledger, for every member hospital: numbers only. Who and what stays with
        each hospital.
      </p>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Counting on the ledger…" />
      } @else if (counts().length) {
        <div class="table-wrap">
          <table class="data" data-testid="hospital-counts">
            <caption class="visually-hidden">
              Counts per member hospital
            </caption>
            <thead>
              <tr>
                <th scope="col">Hospital</th>
                @for (m of measures; track m.key) {
                  <th scope="col" class="num">{{ m.label }}</th>
                }
              </tr>
            </thead>
            <tbody>
              @for (c of counts(); track c.mspId) {
                <tr>
                  <th scope="row">{{ c.displayName }}</th>
                  @for (m of measures; track m.key) {
                    <td class="num">{{ c[m.key] }}</td>
                  }
                </tr>
              }
            </tbody>
          </table>
        </div>
        <figure>
          <div class="chart">
            <canvas #canvas role="img" [attr.aria-label]="summary()"></canvas>
          </div>
          <figcaption>{{ summary() }}</figcaption>
        </figure>
      } @else if (!error()) {
        <ehr-empty>No member hospital is registered on the ledger yet.</ehr-empty>
      }
    </div>
  `,
  styles: `
    .num {
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    figure {
      margin: 16px 0 0;
    }
    .chart {
      position: relative;
      height: 260px;
      max-width: 900px;
    }
    figcaption {
      color: var(--mat-sys-on-surface-variant);
      margin-top: 8px;
    }
  `,
})
export class CountsPage {
  private readonly directory = inject(DirectoryService);
  private readonly canvas = viewChild<ElementRef<HTMLCanvasElement>>('canvas');
  private chart: Chart | null = null;
  readonly measures = MEASURES;
  readonly counts = signal<HospitalCounts[]>([]);
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);
  readonly summary = computed(() =>
    this.counts()
      .map(
        (c) =>
          `${c.displayName}: ${some(c.recordsAuthored, 'record')}, ${some(c.readsByMembers, 'read')}`,
      )
      .join('; '),
  );

  constructor() {
    this.directory.listHospitalCounts().subscribe({
      next: (l) => {
        this.counts.set(l.items);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
    effect(() => {
      const canvas = this.canvas()?.nativeElement;
      const counts = this.counts();
      if (!canvas) return;
      this.chart?.destroy();
      this.chart = new Chart(canvas, {
        type: 'bar',
        data: {
          labels: MEASURES.map((m) => m.label),
          datasets: counts.map((c, i) => ({
            label: c.displayName,
            data: MEASURES.map((m) => c[m.key]),
            backgroundColor: COLOURS[i % COLOURS.length],
          })),
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
    inject(DestroyRef).onDestroy(() => this.chart?.destroy());
  }
}
