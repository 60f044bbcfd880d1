// A patient's records the caller may see (the chaincode decides which), page by page, with the
// doctor's remark when the gateway could open it for the caller.
import {
  ChangeDetectionStrategy,
  Component,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { RecordsService } from '../api/generated/services/records.service';
import { type ShownError, describeError } from '../core/api-error';
import { type ReadPurpose, RecordFilesService } from './record-files.service';
import { RemarkComponent } from './remark.component';
import { BytesPipe, EmptyState, ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from './ui';

@Component({
  selector: 'ehr-record-list',
  imports: [
    RouterLink,
    MatButtonModule,
    ErrorBox,
    EmptyState,
    Loading,
    PersonPipe,
    HospitalPipe,
    WhenPipe,
    BytesPipe,
    RemarkComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ehr-error [error]="error()" />
    @if (items().length) {
      <div class="table-wrap">
        <table class="data" data-testid="records">
          <caption class="visually-hidden">
            Records
          </caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Remark</th>
              <th scope="col">Author</th>
              <th scope="col">Hospital</th>
              <th scope="col">Date</th>
              <th scope="col">Size</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (r of items(); track r.recordId) {
              <tr [attr.data-record-id]="r.recordId">
                <td>
                  <span class="badge">{{ r.category }}</span>
                </td>
                <td><ehr-remark [text]="r.remark" /></td>
                <td>{{ r.authorId | person: 'Doctor' }}</td>
                <td>{{ r.authorMsp | hospital }}</td>
                <td>{{ r.createdAt | when }}</td>
                <td>{{ r.size | bytes }}</td>
                <td class="actions">
                  <a mat-button [routerLink]="['/records', r.recordId]">Details</a>
                  <button
                    mat-stroked-button
                    (click)="open(r)"
                    [attr.aria-label]="'Open the ' + r.category + ' of ' + (r.createdAt | when)"
                  >
                    Open
                  </button>
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      @if (bookmark()) {
        <button mat-button (click)="more()" [disabled]="loading()">Show more</button>
      }
    } @else if (!loading() && !error()) {
      <ehr-empty><ng-content select="[empty]" /></ehr-empty>
    }
    @if (loading()) {
      <ehr-loading label="Loading records…" />
    }
    <ehr-error [error]="openError()" />
  `,
  styles: `
    .actions {
      white-space: nowrap;
    }
  `,
})
export class RecordListComponent {
  private readonly records = inject(RecordsService);
  private readonly files = inject(RecordFilesService);
  readonly patientId = input.required<string>();
  readonly purpose = input<ReadPurpose>('treatment');
  readonly items = signal<RecordMeta[]>([]);
  readonly bookmark = signal('');
  readonly loading = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly openError = signal<ShownError | null>(null);

  constructor() {
    effect(() => {
      const id = this.patientId();
      untracked(() => this.reload(id));
    });
  }

  reload(id = this.patientId()): void {
    this.items.set([]);
    this.bookmark.set('');
    this.load(id, undefined);
  }

  more(): void {
    this.load(this.patientId(), this.bookmark());
  }

  private load(patientId: string, bookmark: string | undefined): void {
    this.loading.set(true);
    this.error.set(null);
    this.records.listPatientRecords({ patientId, ...(bookmark ? { bookmark } : {}) }).subscribe({
      next: (page) => {
        this.items.update((old) => [...old, ...page.items]);
        this.bookmark.set(page.bookmark);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(describeError(e));
        this.loading.set(false);
      },
    });
  }

  async open(r: RecordMeta): Promise<void> {
    this.openError.set(await this.files.download(r.recordId, this.purpose()));
  }
}
