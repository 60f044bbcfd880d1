// Pick one account of a role at this hospital by name, username or e-mail.
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  input,
  model,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { debounceTime } from 'rxjs';
import type { Role } from '../api/generated/models/role';
import type { User } from '../api/generated/models/user';
import { AdminService } from '../api/generated/services/admin.service';
import { type ShownError, describeError } from '../core/api-error';
import { ErrorBox } from '../shared/ui';

@Component({
  selector: 'ehr-person-picker',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatSelectModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <fieldset>
      <legend>{{ label() }}</legend>
      <mat-form-field appearance="outline">
        <mat-label>Search {{ accountRole() }}s</mat-label>
        <input matInput type="search" [formControl]="q" autocomplete="off" />
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>{{ label() }}</mat-label>
        <mat-select
          [value]="selected()"
          (valueChange)="selected.set($event)"
          [attr.data-testid]="accountRole() + '-select'"
        >
          @for (u of options(); track u.id) {
            <mat-option [value]="u.personId">{{ u.fullName }} ({{ u.username }})</mat-option>
          } @empty {
            <mat-option disabled>No {{ accountRole() }} matches</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <ehr-error [error]="error()" />
    </fieldset>
  `,
  styles: `
    fieldset {
      border: 0;
      padding: 0;
      margin: 0;
      display: flex;
      flex-direction: column;
    }
    legend {
      font: var(--mat-sys-title-small);
      margin-bottom: 4px;
    }
  `,
})
export class PersonPickerComponent {
  private readonly admin = inject(AdminService);
  readonly accountRole = input.required<Role>();
  readonly label = input.required<string>();
  /** The chosen person's ledger id. */
  readonly selected = model<string | null>(null);
  readonly options = signal<User[]>([]);
  readonly error = signal<ShownError | null>(null);
  readonly q = new FormControl('', { nonNullable: true });

  constructor() {
    this.q.valueChanges
      .pipe(debounceTime(300), takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(() => this.load());
    queueMicrotask(() => this.load());
  }

  load(): void {
    const q = this.q.value.trim();
    this.admin.listUsers({ role: this.accountRole(), limit: 50, ...(q ? { q } : {}) }).subscribe({
      next: (l) => {
        this.options.set(l.items.filter((u) => !u.disabled));
        this.error.set(null);
      },
      error: (e: unknown) => this.error.set(describeError(e)),
    });
  }
}
