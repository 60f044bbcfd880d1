// The doctor's remark written at upload, where records are listed: a short preview on one line,
// the whole text one click or keypress away (a disclosure button that says whether it is open
// and which text it controls) and as the tooltip. No remark, nothing shown.
import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';

/** Characters of a remark a list shows before "Show all". */
export const REMARK_PREVIEW = 80;

/**
 * The remark on one line, cut at a word boundary before `max` characters with "…" (`cut`), or
 * whole when it fits. Line breaks and runs of spaces read as one space.
 */
export function remarkPreview(text: string, max = REMARK_PREVIEW): { text: string; cut: boolean } {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return { text: flat, cut: false };
  const start = flat.slice(0, max - 1);
  const space = start.lastIndexOf(' ');
  // A word longer than half the preview is cut where it is rather than leaving a stub.
  return { text: `${(space > max / 2 ? start.slice(0, space) : start).trimEnd()}…`, cut: true };
}

let nextId = 0;

@Component({
  selector: 'ehr-remark',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (full(); as t) {
      <span
        class="remark"
        [class.open]="cut() && open()"
        [id]="id"
        data-testid="remark"
        [attr.title]="cut() && !open() ? t : null"
        >{{ cut() && !open() ? preview() : t }}</span
      >
      @if (cut()) {
        <button
          type="button"
          class="toggle"
          [attr.aria-expanded]="open()"
          [attr.aria-controls]="id"
          (click)="open.set(!open())"
        >
          {{ open() ? 'Show less' : 'Show all' }}<span class="visually-hidden"> of the remark</span>
        </button>
      }
    }
  `,
  styles: `
    :host {
      display: block;
      max-width: 36ch;
    }
    .remark {
      overflow-wrap: anywhere;
    }
    .remark.open {
      white-space: pre-line;
    }
    .toggle {
      margin-left: 4px;
      padding: 0;
      border: 0;
      background: none;
      color: var(--mat-sys-primary);
      font: inherit;
      text-decoration: underline;
      cursor: pointer;
    }
  `,
})
export class RemarkComponent {
  readonly text = input<string | null | undefined>(undefined);
  readonly id = `ehr-remark-${++nextId}`;
  readonly open = signal(false);
  readonly full = computed(() => this.text()?.trim() ?? '');
  private readonly short = computed(() => remarkPreview(this.full()));
  readonly preview = computed(() => this.short().text);
  /** Whether the preview leaves something out. */
  readonly cut = computed(() => this.short().cut);
}
