// Small building blocks every page uses: error, empty and loading states, and how ledger ids of
// people and hospitals are shown.
import {
  ChangeDetectionStrategy,
  Component,
  Pipe,
  type PipeTransform,
  inject,
  input,
} from '@angular/core';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { format, isValid, parseISO } from 'date-fns';
import type { ShownError } from '../core/api-error';
import { PeopleService } from '../core/people.service';

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

/**
 * A ledger person id as a person reads it: the name when this person may know it (doctors'
 * names from the directory; patients' names only where the gateway allows), otherwise a neutral
 * label, e.g. `{{ id | person: 'Patient' }}` → "Patient 0b5c2f4e (St. Anne General Hospital)".
 * Impure: the name arrives after the first render (PeopleService batches the lookups).
 */
@Pipe({ name: 'person', pure: false })
export class PersonPipe implements PipeTransform {
  private readonly people = inject(PeopleService);
  transform(id: string | null | undefined, kind = ''): string {
    return id ? this.people.text(id, kind) : '';
  }
}

/** What else the directory says about a person: "Cardiology · Riverside University Hospital". */
@Pipe({ name: 'personDetail', pure: false })
export class PersonDetailPipe implements PipeTransform {
  private readonly people = inject(PeopleService);
  transform(id: string | null | undefined): string {
    if (!id) return '';
    const label = this.people.label(id);
    return [label?.specialty, this.people.hospitalName(id.slice(0, id.indexOf('/')))]
      .filter(Boolean)
      .join(' · ');
  }
}

/** "Hospital2MSP" → "Riverside University Hospital" (its display name on the ledger). */
@Pipe({ name: 'hospital', pure: false })
export class HospitalPipe implements PipeTransform {
  private readonly people = inject(PeopleService);
  transform(msp: string | null | undefined): string {
    return msp ? this.people.hospitalName(msp) : '';
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
