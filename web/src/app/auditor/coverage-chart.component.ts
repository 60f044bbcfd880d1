// Coverage of the ledger by Ethereum anchors over time. Anchoring block N notarizes blocks 0 to N
// (each header carries the previous one's hash), so the ledger at any moment is blocks anchored
// plus blocks waiting for the next anchor. One bar per moment: just before each anchor (green:
// the blocks earlier anchors covered; red: the blocks committed since, which that anchor then
// covered) and now (red: the blocks not yet anchored). Bars before an anchor are lower bounds:
// its block existed then, later ones may have too.
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
import type { AnchorCoverage } from '../api/generated/models/anchor-coverage';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** The newest moments shown (older ones scroll off): a long-lived ledger has thousands. */
const MOMENTS = 60;

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
      <figcaption>{{ summary() }} {{ legend() }}</figcaption>
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
      max-width: 900px;
    }
  `,
})
export class CoverageChartComponent {
  readonly anchors = input.required<Anchor[]>();
  readonly coverage = input.required<AnchorCoverage>();
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart: Chart | null = null;

  readonly bars = computed<Bar[]>(() => {
    const sorted = [...this.anchors()].sort((a, b) => a.blockNumber - b.blockNumber);
    let covered = 0; // blocks 0 … covered - 1 are anchored
    const bars: Bar[] = [];
    for (const a of sorted) {
      const upTo = a.blockNumber + 1;
      bars.push({
        label: format(parseISO(a.anchoredAt), 'd MMM HH:mm'),
        anchored: covered,
        notAnchored: Math.max(0, upTo - covered),
      });
      covered = Math.max(covered, upTo);
    }
    const waiting = this.coverage().blocksNotAnchored;
    if (waiting !== undefined) bars.push({ label: 'now', anchored: covered, notAnchored: waiting });
    return bars.slice(-MOMENTS);
  });

  readonly summary = computed(() => {
    const { ledgerHeight, blocksNotAnchored } = this.coverage();
    const count = this.anchors().length;
    const by = `by ${count} ${count === 1 ? 'anchor' : 'anchors'}`;
    if (ledgerHeight === undefined || blocksNotAnchored === undefined)
      return `Blocks anchored over time ${by}; the ledger’s height is unknown now.`;
    const anchored = ledgerHeight - blocksNotAnchored;
    const share = ledgerHeight ? Math.floor((anchored / ledgerHeight) * 100) : 100;
    return `${anchored} of ${ledgerHeight} blocks anchored (${share} %) ${by}; ${blocksNotAnchored} not yet anchored.`;
  });

  readonly legend = computed(
    () =>
      `Each bar is the ledger just before an anchor: green the blocks already anchored, red the ` +
      `blocks waiting for it; the last bar is now.` +
      (this.anchors().length + 1 > MOMENTS ? ` The newest ${MOMENTS} moments are shown.` : ''),
  );

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
              label: 'Blocks not anchored',
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
