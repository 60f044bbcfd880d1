// The shell: the hospital's name on every page, the navigation of the signed-in role, sign-out,
// and the idle watcher that warns before automatic logoff.
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import type { Role } from './api/generated/models/role';
import { HospitalService } from './core/hospital.service';
import { IdleWatcher } from './core/idle-watcher';
import { SessionService } from './core/session.service';

interface NavLink {
  path: string;
  label: string;
}

const NAV: Record<Role, NavLink[]> = {
  patient: [
    { path: '/patient/records', label: 'My records' },
    { path: '/patient/doctors', label: 'My doctors' },
    { path: '/patient/sharing', label: 'Sharing' },
    { path: '/patient/access', label: 'Who saw my records' },
  ],
  doctor: [
    { path: '/doctor/patients', label: 'My patients' },
    { path: '/doctor/shared', label: 'Shared with me' },
  ],
  admin: [
    { path: '/admin/accounts', label: 'Accounts' },
    { path: '/admin/assign', label: 'Assign doctors' },
    { path: '/admin/registry', label: 'Doctor registry' },
    { path: '/admin/counts', label: 'Counts per hospital' },
    { path: '/admin/members', label: 'Member hospitals' },
  ],
  auditor: [
    { path: '/auditor/anchors', label: 'Anchors' },
    { path: '/auditor/verify', label: 'Verify' },
    { path: '/auditor/access', label: 'Access log' },
  ],
};

const ROLE_NAME: Record<Role, string> = {
  patient: 'Patient',
  doctor: 'Doctor',
  admin: 'Hospital admin',
  auditor: 'Auditor',
};

@Component({
  selector: 'ehr-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="skip" href="#main" (click)="skip($event)">Skip to main content</a>
    <header>
      <mat-toolbar class="bar">
        <span class="hospital" data-testid="hospital-name">
          @if (hospital.info(); as h) {
            {{ h.displayName }}
          } @else if (hospital.unreachable()) {
            Hospital portal (server unreachable)
          } @else {
            Hospital portal
          }
        </span>
        <span class="spacer"></span>
        @if (session.user(); as u) {
          <span class="who">
            <span class="name">{{ u.fullName }}</span>
            <span class="role badge">{{ roleName(u.role) }}</span>
          </span>
          <button mat-stroked-button class="out" (click)="signOut()">Sign out</button>
        }
      </mat-toolbar>
      @if (links().length) {
        <nav aria-label="Main" class="nav">
          @for (l of links(); track l.path) {
            <a
              mat-button
              [routerLink]="l.path"
              routerLinkActive="active"
              ariaCurrentWhenActive="page"
              >{{ l.label }}</a
            >
          }
        </nav>
      }
      @if (hospital.info()?.smsDelivery === 'sink') {
        <p class="devnote" role="note">Development system: text messages are not really sent.</p>
      }
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
  styles: `
    .skip {
      position: absolute;
      left: -999px;
      top: 0;
      z-index: 10;
      background: var(--mat-sys-surface);
      padding: 8px;
    }
    .skip:focus {
      left: 8px;
    }
    .bar {
      /* The toolbar's own tokens: its buttons take their colours from them. */
      --mat-toolbar-container-background-color: var(--mat-sys-primary);
      --mat-toolbar-container-text-color: var(--mat-sys-on-primary);
      gap: 8px;
      flex-wrap: wrap;
      height: auto;
      min-height: 56px;
    }
    .hospital {
      font: var(--mat-sys-title-large);
      white-space: normal;
    }
    .spacer {
      flex: 1;
    }
    .who {
      display: flex;
      gap: 8px;
      align-items: center;
      font: var(--mat-sys-body-medium);
    }
    .out {
      --mat-button-outlined-outline-color: var(--mat-sys-on-primary);
    }
    .nav {
      display: flex;
      flex-wrap: wrap;
      gap: 4px;
      padding: 4px 8px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .nav a.active {
      background: var(--mat-sys-secondary-container);
      color: var(--mat-sys-on-secondary-container);
    }
    .devnote {
      margin: 0;
      padding: 4px 16px;
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
      font: var(--mat-sys-body-small);
    }
    main:focus {
      outline: none;
    }
    @media (max-width: 599px) {
      .who .name {
        display: none;
      }
    }
  `,
})
export class AppComponent {
  readonly hospital = inject(HospitalService);
  readonly session = inject(SessionService);
  readonly links = computed(() => {
    const u = this.session.user();
    return u ? NAV[u.role] : [];
  });

  constructor() {
    this.hospital.load();
    void this.session.ensureLoaded();
    inject(IdleWatcher).start(inject(DestroyRef));
  }

  roleName(role: Role): string {
    return ROLE_NAME[role];
  }

  signOut(): void {
    void this.session.logout('logout');
  }

  skip(ev: Event): void {
    ev.preventDefault();
    document.getElementById('main')?.focus();
  }
}
