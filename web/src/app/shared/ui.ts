// Small building blocks every page uses: error, empty and loading states, and how a ledger
// person id is shown.
import { ChangeDetectionStrategy, Component, Pipe, type PipeTransform, input } from '@angular/core';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { format, isValid, parseISO } from 'date-fns';
import type { ShownError } from '../core/api-error';

@Component({
  selector: 'ehr-error',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error(); as e) {
      <div class="error" role="alert" [attr.data-code]="e.code">
        <p class="text">{{ e.text }}</p>
        @if (e.fields.length) {
          <ul>
            @for (f of e.fields; track $index) {
              <li>{{ f.path }}: {{ f.message }}</li>
            }
          </ul>
        }
      </div>
    }
  `,
  styles: `
    .error {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
      border-radius: 8px;
      padding: 8px 16px;
      margin: 8px 0;
    }
    .text {
      margin: 8px 0;
    }
  `,
})
export class ErrorBox {
  readonly error = input<ShownError | null>(null);
}

@Component({
  selector: 'ehr-empty',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div class="empty" role="status"><ng-content /></div>`,
  styles: `
    .empty {
      border: 1px dashed var(--mat-sys-outline);
      border-radius: 8px;
      padding: 16px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class EmptyState {}

@Component({
  selector: 'ehr-loading',
  imports: [MatProgressSpinnerModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div class="loading" role="status">
    <mat-spinner diameter="24" aria-hidden="true" /><span>{{ label() }}</span>
  </div>`,
  styles: `
    .loading {
      display: flex;
      gap: 12px;
      align-items: center;
      padding: 16px 0;
    }
  `,
})
export class Loading {
  readonly label = input('Loading…');
}

/** "Hospital1MSP/0b5c2f4e-…" → "0b5c2f4e (Hospital1)": short and still unambiguous enough to read aloud. */
@Pipe({ name: 'person' })
export class PersonPipe implements PipeTransform {
  transform(id: string | null | undefined): string {
    if (!id) return '';
    const [msp, uid] = id.split('/');
    return uid ? `${uid.slice(0, 8)} (${msp?.replace(/MSP$/, '')})` : id;
  }
}

/** "Hospital1MSP" → "Hospital1". */
@Pipe({ name: 'hospital' })
export class HospitalPipe implements PipeTransform {
  transform(msp: string | null | undefined): string {
    return (msp ?? '').replace(/MSP$/, '');
  }
}

/** A timestamp in the reader's time zone, e.g. "24 Nov 2026, 21:05". */
@Pipe({ name: 'when' })
export class WhenPipe implements PipeTransform {
  transform(iso: string | null | undefined, pattern = 'd MMM yyyy, HH:mm'): string {
    if (!iso) return '';
    const d = parseISO(iso);
    return isValid(d) ? format(d, pattern) : iso;
  }
}

/** 1536 → "1.5 KB". */
@Pipe({ name: 'bytes' })
export class BytesPipe implements PipeTransform {
  transform(n: number | null | undefined): string {
    return formatBytes(n ?? 0);
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} ${units[0]}` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
