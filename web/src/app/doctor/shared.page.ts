// "Shared with me": the patients whose consent in force today covers this doctor, directly or
// through everyone at the doctor's hospital, with what they shared and until when. A patient is
// named only as the gateway allows (a patient of another hospital keeps a neutral label); the
// link opens the records the doctor may see.
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Consent } from '../api/generated/models/consent';
import { ConsentService } from '../api/generated/services/consent.service';
import { type ShownError, describeError } from '../core/api-error';
import { EmptyState, ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from '../shared/ui';
import { scopeText, sharedPatients } from './shared-with-me';

@Component({
  selector: 'ehr-doctor-shared',
  imports: [RouterLink, ErrorBox, EmptyState, Loading, PersonPipe, HospitalPipe, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Shared with me</h1>
      <p class="muted">
        Patients who shared records with you, or with everyone at your hospital, and whose consent
        is in force today. Opening a record is recorded on the ledger; the patient sees every read.
      </p>
      <ehr-error [error]="error()" />
      @if (loading()) {
        <ehr-loading label="Loading what patients shared with you…" />
      } @else if (patients().length) {
        <ul class="cards" data-testid="shared-patients">
          @for (p of patients(); track p.patientId) {
            <li [attr.data-patient-id]="p.patientId">
              <a
                class="who"
                [routerLink]="['/doctor/patients', p.patientId]"
                [queryParams]="{ from: 'shared' }"
                >{{ p.patientId | person: 'Patient' }}</a
              >
              <ul class="grants" aria-label="What this patient shared">
                @for (g of p.grants; track g.grantId) {
                  <li data-testid="shared-grant">
                    <span class="scope">{{ scope(g) }}</span>
                    <span>
                      @if (g.notAfter) {
                        until {{ g.notAfter | when }}
                      } @else {
                        until the patient revokes it
                      }
                    </span>
                    <span class="muted">
                      @if (g.grantee.type === 'hospital') {
                        with everyone at {{ g.grantee.mspId | hospital }}
                      } @else {
                        with you
                      }
                    </span>
                  </li>
                }
              </ul>
            </li>
          }
        </ul>
      } @else if (!error()) {
        <ehr-empty
          >No patient shares records with you right now. When a patient gives you (or everyone at
          your hospital) access on their Sharing page, they appear here until the consent ends or is
          revoked. Patients assigned to you are under My patients.</ehr-empty
        >
      }
    </div>
  `,
  styles: `
    .who {
      font: var(--mat-sys-title-medium);
      overflow-wrap: anywhere;
    }
    .grants {
      list-style: none;
      padding: 0;
      margin: 4px 0 0;
    }
    .grants li {
      display: flex;
      flex-wrap: wrap;
      gap: 0 12px;
    }
    .scope {
      font-weight: 600;
    }
  `,
})
export class DoctorSharedPage {
  private readonly consents = inject(ConsentService);
  readonly grants = signal<Consent[]>([]);
  readonly patients = computed(() => sharedPatients(this.grants()));
  readonly loading = signal(true);
  readonly error = signal<ShownError | null>(null);

  constructor() {
    this.consents.listConsentsToMe().subscribe({
      next: (l) => {
        this.grants.set(l.items);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }

  scope(g: Consent): string {
    return scopeText(g.scope);
  }
}
