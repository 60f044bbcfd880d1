// Accounts of this hospital: counts per role, search, disable / re-enable.
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { debounceTime, firstValueFrom, forkJoin, map } from 'rxjs';
import type { Role } from '../api/generated/models/role';
import type { User } from '../api/generated/models/user';
import { AdminService } from '../api/generated/services/admin.service';
import { type ShownError, describeError } from '../core/api-error';
import { HospitalService } from '../core/hospital.service';
import { EmptyState, ErrorBox, Loading, WhenPipe } from '../shared/ui';

const PAGE = 25;
const ROLES: Role[] = ['patient', 'doctor', 'admin', 'auditor'];

@Component({
  selector: 'ehr-accounts',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ErrorBox,
    EmptyState,
    Loading,
    WhenPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Accounts</h1>
      @if (counts(); as c) {
        <dl
          class="counts"
          data-testid="counts"
          [attr.aria-label]="'Accounts at ' + (hospital.info()?.displayName ?? 'this hospital')"
        >
          @for (r of roles; track r) {
            <div>
              <dt>{{ r }}s</dt>
              <dd>{{ c[r] }}</dd>
            </div>
          }
        </dl>
      }
      <div class="row filters">
        <mat-form-field appearance="outline">
          <mat-label>Search name, username or e-mail</mat-label>
          <input matInput type="search" [formControl]="q" />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Role</mat-label>
          <mat-select [formControl]="role">
            <mat-option [value]="null">All roles</mat-option>
            @for (r of roles; track r) {
              <mat-option [value]="r">{{ r }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
      </div>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Loading accounts…" />
      } @else if (users().length) {
        <div class="table-wrap">
          <table class="data" data-testid="accounts">
            <caption class="visually-hidden">
              Accounts ({{
                total()
              }})
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">E-mail</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              @for (u of users(); track u.id) {
                <tr>
                  <td>{{ u.fullName }}</td>
                  <td>{{ u.username }}</td>
                  <td>{{ u.role }}</td>
                  <td>{{ u.email }}</td>
                  <td>{{ u.lastLoginAt ? (u.lastLoginAt | when) : 'never' }}</td>
                  <td>
                    @if (u.disabled) {
                      <span class="badge danger">disabled</span>
                    }
                    <button
                      mat-stroked-button
                      (click)="setDisabled(u, !u.disabled)"
                      [attr.aria-label]="(u.disabled ? 'Enable ' : 'Disable ') + u.username"
                    >
                      {{ u.disabled ? 'Enable' : 'Disable' }}
                    </button>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
        <div class="row">
          <span>{{ offset() + 1 }}–{{ offset() + users().length }} of {{ total() }}</span>
          <button mat-button (click)="page(-1)" [disabled]="offset() === 0">Previous</button>
          <button mat-button (click)="page(1)" [disabled]="offset() + users().length >= total()">
            Next
          </button>
        </div>
      } @else if (!error()) {
        <ehr-empty
          >No accounts match. Patients sign up themselves; doctors sign up once their government ID
          is in the registry.</ehr-empty
        >
      }
    </div>
  `,
  styles: `
    .counts {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
      margin: 0 0 16px;
    }
    .counts div {
      background: var(--mat-sys-surface-container);
      border-radius: 8px;
      padding: 8px 16px;
      min-width: 96px;
    }
    dt {
      text-transform: capitalize;
      font: var(--mat-sys-label-large);
    }
    dd {
      margin: 0;
      font: var(--mat-sys-headline-small);
    }
  `,
})
export class AccountsPage {
  private readonly admin = inject(AdminService);
  readonly hospital = inject(HospitalService);
  readonly roles = ROLES;
  readonly users = signal<User[]>([]);
  readonly total = signal(0);
  readonly offset = signal(0);
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);
  readonly counts = signal<Record<Role, number> | null>(null);
  readonly q = new FormControl('', { nonNullable: true });
  readonly role = new FormControl<Role | null>(null);

  constructor() {
    const destroy = inject(DestroyRef);
    this.q.valueChanges
      .pipe(debounceTime(300), takeUntilDestroyed(destroy))
      .subscribe(() => this.search());
    this.role.valueChanges.pipe(takeUntilDestroyed(destroy)).subscribe(() => this.search());
    this.loadCounts();
    this.load();
  }

  private loadCounts(): void {
    forkJoin(
      ROLES.map((role) =>
        this.admin.listUsers({ role, limit: 1 }).pipe(map((l) => [role, l.total] as const)),
      ),
    ).subscribe({
      next: (pairs) => this.counts.set(Object.fromEntries(pairs) as Record<Role, number>),
      error: () => this.counts.set(null),
    });
  }

  search(): void {
    this.offset.set(0);
    this.load();
  }

  page(dir: 1 | -1): void {
    this.offset.update((o) => Math.max(0, o + dir * PAGE));
    this.load();
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    const q = this.q.value.trim();
    const role = this.role.value;
    this.admin
      .listUsers({
        limit: PAGE,
        offset: this.offset(),
        ...(q ? { q } : {}),
        ...(role ? { role } : {}),
      })
      .subscribe({
        next: (l) => {
          this.users.set(l.items);
          this.total.set(l.total);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.error.set(describeError(e));
          this.loading.set(false);
        },
      });
  }

  async setDisabled(u: User, disabled: boolean): Promise<void> {
    this.error.set(null);
    try {
      const updated = await firstValueFrom(
        this.admin.updateUser({ userId: u.id, body: { disabled } }),
      );
      this.users.update((list) => list.map((x) => (x.id === u.id ? updated : x)));
    } catch (e) {
      this.error.set(describeError(e));
    }
  }
}
