// Coverage of the ledger by Ethereum anchors over time: each anchor notarises every block up
// to its number (the header hash chain links them), so each bar is the blocks it newly covered;
// the last bar, when the ledger's height is known, is the blocks not anchored yet.
import {
  ChangeDetectionStrategy,
  Component,
  type ElementRef,
  computed,
  effect,
  input,
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
import { format, parseISO } from 'date-fns';
import type { Anchor } from '../api/generated/models/anchor';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Bar {
  label: string;
  anchored: number;
  notAnchored: number;
}

@Component({
  selector: 'ehr-coverage-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure>
      <div class="chart"><canvas #canvas role="img" [attr.aria-label]="summary()"></canvas></div>
      <figcaption>{{ summary() }}</figcaption>
    </figure>
  `,
  styles: `
    figure {
      margin: 0;
    }
    .chart {
      position: relative;
      height: 280px;
      max-width: 900px;
    }
    figcaption {
      color: var(--mat-sys-on-surface-variant);
      margin-top: 8px;
    }
  `,
})
export class CoverageChartComponent {
  readonly anchors = input.required<Anchor[]>();
  /** The ledger's height (blocks), when known from a verify run. */
  readonly height = input<number | null>(null);
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart: Chart | null = null;

  readonly bars = computed<Bar[]>(() => {
    const sorted = [...this.anchors()].sort((a, b) => a.blockNumber - b.blockNumber);
    let covered = 0;
    const bars = sorted.map((a) => {
      const upTo = a.blockNumber + 1;
      const bar = {
        label: format(parseISO(a.anchoredAt), 'd MMM HH:mm'),
        anchored: Math.max(0, upTo - covered),
        notAnchored: 0,
      };
      covered = Math.max(covered, upTo);
      return bar;
    });
    const h = this.height();
    if (h !== null && h > covered)
      bars.push({ label: 'now', anchored: 0, notAnchored: h - covered });
    return bars;
  });

  readonly summary = computed(() => {
    const anchored = this.bars().reduce((n, b) => n + b.anchored, 0);
    const h = this.height();
    return h === null
      ? `${anchored} blocks anchored by ${this.anchors().length} anchors. Run verify to learn the ledger’s height.`
      : `${anchored} of ${h} blocks anchored (${h ? Math.round((Math.min(anchored, h) / h) * 100) : 100} %) by ${this.anchors().length} anchors.`;
  });

  constructor() {
    effect((onCleanup) => {
      const bars = this.bars();
      this.chart?.destroy();
      this.chart = new Chart(this.canvas().nativeElement, {
        type: 'bar',
        data: {
          labels: bars.map((b) => b.label),
          datasets: [
            {
              label: 'Blocks anchored',
              data: bars.map((b) => b.anchored),
              backgroundColor: '#1b5e20',
              stack: 's',
            },
            {
              label: 'Blocks not anchored yet',
              data: bars.map((b) => b.notAnchored),
              backgroundColor: '#b3261e',
              stack: 's',
            },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, title: { display: true, text: 'blocks' } },
          },
        },
      });
      onCleanup(() => {
        this.chart?.destroy();
        this.chart = null;
      });
    });
  }
}
