// Sharing: grant a doctor (found by name in the consortium's directory) or a whole member
// hospital access to all records (and future ones) or to chosen records, optionally until a
// date; revoke; and the picture of who can see what today.
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import { endOfDay, format, parse } from 'date-fns';
import { firstValueFrom } from 'rxjs';
import type { Consent } from '../api/generated/models/consent';
import type { ConsentRequest } from '../api/generated/models/consent-request';
import type { DirectoryDoctor } from '../api/generated/models/directory-doctor';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { ConsentService } from '../api/generated/services/consent.service';
import { RecordsService } from '../api/generated/services/records.service';
import { type ShownError, describeError } from '../core/api-error';
import { myPersonId } from '../core/me';
import { PeopleService } from '../core/people.service';
import { EmptyState, ErrorBox, Loading, WhenPipe } from '../shared/ui';
import { ConsentMatrixComponent } from './consent-matrix.component';
import { GranteePipe, isActive } from './consents';
import { DoctorPickerComponent } from './doctor-picker.component';
/** Records loaded for choosing and for the matrix (pages of the ledger query). */
const MAX_RECORD_PAGES = 10;

@Component({
  selector: 'ehr-sharing',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatRadioModule,
    MatSelectModule,
    DoctorPickerComponent,
    GranteePipe,
    ErrorBox,
    EmptyState,
    Loading,
    WhenPipe,
    ConsentMatrixComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Sharing</h1>
      <ehr-error [error]="loadError()" />
      @if (loading()) {
        <ehr-loading label="Loading your grants…" />
      }

      <h2>Who can see what today</h2>
      @if (records().length && activeConsents().length) {
        <ehr-consent-matrix [records]="records()" [consents]="consents()" />
      } @else if (!loading() && !loadError()) {
        <ehr-empty
          >Nobody else can see your records today: you have not shared any. Use the form below to
          share with a doctor or a hospital.</ehr-empty
        >
      }

      <h2>Share</h2>
      <form class="form" [formGroup]="form" (ngSubmit)="grant()" novalidate>
        <fieldset>
          <legend>With</legend>
          <mat-radio-group formControlName="granteeType" class="row">
            <mat-radio-button value="doctor">A doctor</mat-radio-button>
            <mat-radio-button value="hospital">A whole hospital</mat-radio-button>
          </mat-radio-group>
        </fieldset>
        @if (form.controls.granteeType.value === 'doctor') {
          <ehr-doctor-picker [(selected)]="doctor" [invalid]="doctorMissing()" />
        } @else {
          <mat-form-field appearance="outline">
            <mat-label>Hospital</mat-label>
            <mat-select formControlName="mspId" data-testid="hospital-select">
              @for (h of hospitals(); track h.mspId) {
                <mat-option [value]="h.mspId">{{ h.displayName }}</mat-option>
              }
            </mat-select>
            <mat-hint>Every doctor of this hospital will be able to see what you share.</mat-hint>
            @if (form.controls.mspId.invalid) {
              <mat-error>Please choose a hospital.</mat-error>
            }
          </mat-form-field>
        }
        <fieldset>
          <legend>Which records</legend>
          <mat-radio-group formControlName="scope" class="row">
            <mat-radio-button value="all">All, including future ones</mat-radio-button>
            <mat-radio-button value="records" [disabled]="!records().length"
              >Only the ones I choose</mat-radio-button
            >
          </mat-radio-group>
        </fieldset>
        @if (form.controls.scope.value === 'records') {
          <ul class="choose" aria-label="Records to share">
            @for (r of records(); track r.recordId) {
              <li>
                <mat-checkbox
                  [checked]="chosen().has(r.recordId)"
                  (change)="toggle(r.recordId, $event.checked)"
                >
                  {{ r.category }}, {{ r.createdAt | when: 'd MMM yyyy' }}
                </mat-checkbox>
              </li>
            }
          </ul>
        }
        <mat-form-field appearance="outline">
          <mat-label>Until (optional)</mat-label>
          <input matInput type="date" formControlName="until" [min]="today" />
          <mat-hint
            >Access ends at the end of this day. Leave empty to share until you revoke.</mat-hint
          >
        </mat-form-field>
        <ehr-error [error]="grantError()" />
        @if (granted(); as g) {
          <p role="status" class="ok">Shared. The ledger recorded your consent.</p>
          @if (g.keysUnavailable?.length; as missing) {
            <p role="alert" class="unshareable" data-testid="keys-unavailable">
              {{ missing === 1 ? 'One record' : missing + ' records' }} could not be shared: this
              hospital cannot open {{ missing === 1 ? 'its' : 'their' }} encryption key, so the
              people you shared with cannot read {{ missing === 1 ? 'it' : 'them' }}. Everything
              else was shared. Please tell the hospital.
            </p>
          }
        }
        <button mat-flat-button type="submit" [disabled]="busy()">
          {{ busy() ? 'Sharing…' : 'Share' }}
        </button>
      </form>

      <h2>My grants</h2>
      @if (consents().length) {
        <div class="table-wrap">
          <table class="data" data-testid="grants">
            <caption class="visually-hidden">
              Your grants, current and past
            </caption>
            <thead>
              <tr>
                <th scope="col">With</th>
                <th scope="col">Records</th>
                <th scope="col">Since</th>
                <th scope="col">Until</th>
                <th scope="col">State</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (c of consents(); track c.grantId) {
                <tr>
                  <td>{{ c.grantee | grantee }}</td>
                  <td>
                    {{ c.scope.type === 'all' ? 'All' : c.scope.recordIds.length + ' chosen' }}
                  </td>
                  <td>{{ c.createdAt | when: 'd MMM yyyy' }}</td>
                  <td>{{ c.notAfter ? (c.notAfter | when: 'd MMM yyyy') : '—' }}</td>
                  <td>
                    @if (c.revokedAt) {
                      <span class="badge">revoked {{ c.revokedAt | when: 'd MMM' }}</span>
                    } @else if (active(c)) {
                      <span class="badge">active</span>
                    } @else {
                      <span class="badge">ended</span>
                    }
                  </td>
                  <td>
                    @if (active(c)) {
                      <button
                        mat-stroked-button
                        (click)="revoke(c)"
                        [attr.aria-label]="'Revoke access of ' + (c.grantee | grantee)"
                      >
                        Revoke
                      </button>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      } @else if (!loading() && !loadError()) {
        <ehr-empty>You have not shared any records yet.</ehr-empty>
      }
      <ehr-error [error]="revokeError()" />
    </div>
  `,
  styles: `
    fieldset {
      border: 0;
      padding: 0;
      margin: 0 0 12px;
    }
    legend {
      font: var(--mat-sys-title-small);
    }
    .choose {
      list-style: none;
      padding: 0;
      margin: 0 0 12px;
      max-height: 240px;
      overflow: auto;
    }
    .ok {
      color: #1b5e20;
    }
    .unshareable {
      color: #8a4b00;
    }
  `,
})
export class SharingPage {
  private readonly consentApi = inject(ConsentService);
  private readonly recordsApi = inject(RecordsService);
  private readonly me = myPersonId();
  private readonly people = inject(PeopleService);
  private readonly picker = viewChild(DoctorPickerComponent);
  readonly hospitals = computed(() =>
    [...this.people.memberHospitals().values()].sort((a, b) =>
      a.displayName.localeCompare(b.displayName),
    ),
  );
  /** The doctor chosen in the directory. */
  readonly doctor = signal<DirectoryDoctor | null>(null);
  readonly doctorMissing = signal(false);
  readonly today = format(new Date(), 'yyyy-MM-dd');
  readonly records = signal<RecordMeta[]>([]);
  readonly consents = signal<Consent[]>([]);
  readonly activeConsents = computed(() => this.consents().filter((c) => isActive(c)));
  readonly chosen = signal(new Set<string>());
  readonly loading = signal(true);
  readonly busy = signal(false);
  readonly granted = signal<Consent | null>(null);
  readonly loadError = signal<ShownError | null>(null);
  readonly grantError = signal<ShownError | null>(null);
  readonly revokeError = signal<ShownError | null>(null);

  readonly form = new FormGroup({
    granteeType: new FormControl<'doctor' | 'hospital'>('doctor', { nonNullable: true }),
    mspId: new FormControl('', { nonNullable: true, validators: Validators.required }),
    scope: new FormControl<'all' | 'records'>('all', { nonNullable: true }),
    until: new FormControl('', { nonNullable: true }),
  });

  constructor() {
    void this.load();
  }

  active(c: Consent): boolean {
    return isActive(c);
  }

  toggle(id: string, on: boolean): void {
    this.chosen.update((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  }

  async load(): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    try {
      const [consents, records] = await Promise.all([
        firstValueFrom(this.consentApi.listPatientConsents({ patientId: this.me() })),
        this.loadRecords(),
      ]);
      this.consents.set([...consents.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
      this.records.set(records);
    } catch (e) {
      this.loadError.set(describeError(e));
    } finally {
      this.loading.set(false);
    }
  }

  private async loadRecords(): Promise<RecordMeta[]> {
    const all: RecordMeta[] = [];
    let bookmark = '';
    for (let i = 0; i < MAX_RECORD_PAGES; i++) {
      const page = await firstValueFrom(
        this.recordsApi.listPatientRecords({
          patientId: this.me(),
          ...(bookmark ? { bookmark } : {}),
        }),
      );
      all.push(...page.items);
      bookmark = page.bookmark;
      if (!bookmark) break;
    }
    return all;
  }

  async grant(): Promise<void> {
    const v = this.form.getRawValue();
    const doctor = this.doctor();
    this.doctorMissing.set(v.granteeType === 'doctor' && !doctor);
    this.form.controls.mspId.markAsTouched();
    if (this.doctorMissing() || (v.granteeType === 'hospital' && this.form.controls.mspId.invalid))
      return;
    if (v.scope === 'records' && this.chosen().size === 0) {
      this.grantError.set({
        code: 'VALIDATION_FAILED',
        status: 400,
        text: 'Please choose at least one record.',
        fields: [],
        lines: [],
      });
      return;
    }
    const body: ConsentRequest = {
      grantee:
        v.granteeType === 'doctor' && doctor
          ? { type: 'doctor', doctorId: doctor.doctorId }
          : { type: 'hospital', mspId: v.mspId },
      scope:
        v.scope === 'all' ? { type: 'all' } : { type: 'records', recordIds: [...this.chosen()] },
      access: 'read',
      ...(v.until
        ? { notAfter: endOfDay(parse(v.until, 'yyyy-MM-dd', new Date())).toISOString() }
        : {}),
    };
    this.busy.set(true);
    this.grantError.set(null);
    this.granted.set(null);
    try {
      const c = await firstValueFrom(this.consentApi.createConsent({ body }));
      this.consents.update((list) => [c, ...list]);
      this.granted.set(c);
      this.chosen.set(new Set());
      this.picker()?.clear();
    } catch (e) {
      this.grantError.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }

  async revoke(c: Consent): Promise<void> {
    this.revokeError.set(null);
    try {
      await firstValueFrom(this.consentApi.revokeConsent({ grantId: c.grantId }));
      const now = new Date().toISOString();
      this.consents.update((list) =>
        list.map((x) => (x.grantId === c.grantId ? { ...x, revokedAt: now } : x)),
      );
    } catch (e) {
      this.revokeError.set(describeError(e));
    }
  }
}
