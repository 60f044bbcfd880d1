// Find a doctor of any member hospital by name (or specialty, or hospital) in the consortium's
// directory, and pick one: the patient sees who they share with, never a ledger id to type.
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
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import {
  catchError,
  debounceTime,
  distinctUntilChanged,
  filter,
  map,
  of,
  startWith,
  switchMap,
  tap,
} from 'rxjs';
import type { DirectoryDoctor } from '../api/generated/models/directory-doctor';
import { DirectoryService } from '../api/generated/services/directory.service';
import { type ShownError, describeError } from '../core/api-error';
import { ErrorBox } from '../shared/ui';

@Component({
  selector: 'ehr-doctor-picker',
  imports: [
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatFormFieldModule,
    MatInputModule,
    ErrorBox,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-form-field appearance="outline">
      <mat-label>Find a doctor</mat-label>
      <input
        matInput
        type="search"
        [formControl]="query"
        [matAutocomplete]="auto"
        [errorStateMatcher]="choiceMissing"
        autocomplete="off"
        spellcheck="false"
        data-testid="doctor-search"
      />
      <mat-hint>Type part of the name, the specialty or the hospital, then choose.</mat-hint>
      @if (invalid()) {
        <mat-error>Please choose a doctor from the list.</mat-error>
      }
      <mat-autocomplete
        #auto="matAutocomplete"
        [displayWith]="nameOf"
        (optionSelected)="selected.set($event.option.value)"
      >
        @for (d of options(); track d.doctorId) {
          <mat-option [value]="d">
            <span class="name">{{ d.displayName }}</span>
            <span class="detail"
              >{{ d.specialty ? d.specialty + ' · ' : '' }}{{ d.hospitalName }}</span
            >
          </mat-option>
        } @empty {
          @if (searched()) {
            <mat-option disabled>No doctor matches “{{ searched() }}”</mat-option>
          }
        }
      </mat-autocomplete>
    </mat-form-field>
    <ehr-error [error]="error()" />
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
    }
    .name {
      font-weight: 600;
      margin-right: 8px;
    }
    .detail {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class DoctorPickerComponent {
  private readonly directory = inject(DirectoryService);
  /** The chosen doctor (null while the person types something else). */
  readonly selected = model<DirectoryDoctor | null>(null);
  /** Shows "choose from the list" (the form was sent without a choice). */
  readonly invalid = input(false);
  readonly options = signal<DirectoryDoctor[]>([]);
  readonly searched = signal('');
  readonly error = signal<ShownError | null>(null);
  readonly query = new FormControl<string | DirectoryDoctor>('', { nonNullable: true });
  readonly choiceMissing = { isErrorState: () => this.invalid() };
  readonly nameOf = (d: DirectoryDoctor | string | null): string =>
    typeof d === 'string' ? d : (d?.displayName ?? '');

  constructor() {
    this.query.valueChanges
      .pipe(
        startWith(''),
        // A chosen option is an object; typing again is a new search and drops the choice.
        tap((v) => {
          if (typeof v === 'string' && this.selected()) this.selected.set(null);
        }),
        debounceTime(250),
        filter((v): v is string => typeof v === 'string'),
        map((v) => v.trim()),
        distinctUntilChanged(),
        switchMap((q) =>
          this.directory.searchDirectoryDoctors(q ? { q } : {}).pipe(
            tap((l) => {
              this.options.set(l.items);
              this.searched.set(q);
              this.error.set(null);
            }),
            catchError((e: unknown) => {
              this.error.set(describeError(e));
              return of(null);
            }),
          ),
        ),
        takeUntilDestroyed(inject(DestroyRef)),
      )
      .subscribe();
  }

  /** Empties the field after the grant was given. */
  clear(): void {
    this.query.setValue('');
    this.selected.set(null);
  }
}
