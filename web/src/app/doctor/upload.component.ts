// Upload with a remark: drag-and-drop or a file button, a real progress bar (bytes sent, speed,
// time left) from the browser's upload events, and cancel (aborts the request). One
// Idempotency-Key per chosen file, so retrying after a dropped connection never makes two records.
import { HttpClient, HttpEventType, HttpResponse } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import type { Subscription } from 'rxjs';
import { ApiConfiguration } from '../api/generated/api-configuration';
import { uploadRecord } from '../api/generated/fn/records/upload-record';
import type { RecordCategory } from '../api/generated/models/record-category';
import type { RecordCreated } from '../api/generated/models/record-created';
import { RequestBuilder } from '../api/generated/request-builder';
import { type ShownError, describeError } from '../core/api-error';
import { limits } from '../core/field-rules';
import { BytesPipe, ErrorBox, formatBytes } from '../shared/ui';

const CATEGORIES: { value: RecordCategory; label: string }[] = [
  { value: 'report', label: 'Report' },
  { value: 'prescription', label: 'Prescription' },
  { value: 'imaging', label: 'Imaging' },
  { value: 'other', label: 'Other' },
];

interface Progress {
  sent: number;
  total: number;
  bytesPerSecond: number;
}

@Component({
  selector: 'ehr-upload',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatProgressBarModule,
    ErrorBox,
    BytesPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="form" [formGroup]="form" (ngSubmit)="upload()" novalidate>
      <div
        class="drop"
        [class.over]="dragOver()"
        (dragover)="$event.preventDefault(); dragOver.set(true)"
        (dragleave)="dragOver.set(false)"
        (drop)="dropped($event)"
        data-testid="drop-zone"
      >
        @if (file(); as f) {
          <p>
            <strong>{{ f.name }}</strong> ({{ f.size | bytes }})
          </p>
        } @else {
          <p>Drop a file here, or</p>
        }
        <input #picker type="file" hidden (change)="picked(picker)" aria-label="File to upload" />
        <button mat-stroked-button type="button" (click)="picker.click()">
          {{ file() ? 'Choose another file' : 'Choose a file' }}
        </button>
      </div>
      <mat-form-field appearance="outline">
        <mat-label>Category</mat-label>
        <mat-select formControlName="category">
          @for (c of categories; track c.value) {
            <mat-option [value]="c.value">{{ c.label }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Remark (optional)</mat-label>
        <textarea
          matInput
          formControlName="remark"
          rows="3"
          [attr.maxlength]="remarkMax"
        ></textarea>
        <mat-hint align="end">{{ form.controls.remark.value.length }} / {{ remarkMax }}</mat-hint>
      </mat-form-field>

      @if (progress(); as p) {
        <div class="progress" data-testid="upload-progress">
          <mat-progress-bar mode="determinate" [value]="percent()" aria-label="Upload progress" />
          <p aria-live="polite">
            {{ p.sent | bytes }} of {{ p.total | bytes }} ({{ percent() }} %) · {{ speed() }}
            @if (secondsLeft() !== null) {
              · about {{ secondsLeft() }} s left
            }
          </p>
          @if (percent() === 100 && busy()) {
            <p class="muted">
              Encrypting, storing on both hospitals’ file stores and recording on the ledger…
            </p>
          }
        </div>
      }
      <ehr-error [error]="error()" />
      @if (done(); as d) {
        <p role="status" class="ok" data-testid="upload-done">
          Uploaded. Stored on {{ d.replicas }} file store{{ d.replicas === 1 ? '' : 's' }}; ledger
          transaction <span class="mono">{{ d.transactionId.slice(0, 16) }}…</span>
        </p>
      }
      <div class="row">
        <button mat-flat-button type="submit" [disabled]="busy() || !file()">Upload</button>
        @if (busy()) {
          <button mat-stroked-button type="button" (click)="cancel()">Cancel</button>
        }
      </div>
    </form>
  `,
  styles: `
    .drop {
      border: 2px dashed var(--mat-sys-outline);
      border-radius: 8px;
      padding: 16px;
      margin-bottom: 12px;
      text-align: center;
    }
    .drop.over {
      background: var(--mat-sys-secondary-container);
    }
    .progress p {
      margin: 4px 0;
      font-variant-numeric: tabular-nums;
    }
    .ok {
      color: #1b5e20;
    }
  `,
})
export class UploadComponent {
  private readonly http = inject(HttpClient);
  private readonly config = inject(ApiConfiguration);
  readonly patientId = input.required<string>();
  readonly uploaded = output<RecordCreated>();
  readonly categories = CATEGORIES;
  readonly remarkMax = limits('Remark').maxLength ?? 2000;
  readonly file = signal<File | null>(null);
  readonly dragOver = signal(false);
  readonly busy = signal(false);
  readonly progress = signal<Progress | null>(null);
  readonly error = signal<ShownError | null>(null);
  readonly done = signal<RecordCreated | null>(null);
  readonly percent = computed(() => {
    const p = this.progress();
    return p && p.total ? Math.floor((p.sent / p.total) * 100) : 0;
  });
  readonly speed = computed(
    () => `${formatBytes(Math.round(this.progress()?.bytesPerSecond ?? 0))}/s`,
  );
  readonly secondsLeft = computed(() => {
    const p = this.progress();
    return p && p.bytesPerSecond > 0 && p.sent < p.total
      ? Math.ceil((p.total - p.sent) / p.bytesPerSecond)
      : null;
  });
  private idempotencyKey = '';
  private running: Subscription | null = null;

  readonly form = new FormGroup({
    category: new FormControl<RecordCategory>('report', { nonNullable: true }),
    remark: new FormControl('', { nonNullable: true }),
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => this.running?.unsubscribe());
  }

  picked(el: HTMLInputElement): void {
    const f = el.files?.[0];
    if (f) this.choose(f);
    el.value = '';
  }

  dropped(ev: DragEvent): void {
    ev.preventDefault();
    this.dragOver.set(false);
    const f = ev.dataTransfer?.files[0];
    if (f) this.choose(f);
  }

  private choose(f: File): void {
    this.file.set(f);
    this.idempotencyKey = crypto.randomUUID();
    this.error.set(null);
    this.done.set(null);
    this.progress.set(null);
  }

  upload(): void {
    const file = this.file();
    if (!file || this.busy()) return;
    const { category, remark } = this.form.getRawValue();
    // The generated client's request builder (path, header and multipart body from the OpenAPI
    // document), sent with progress events, which the generated function filters out.
    const rb = new RequestBuilder(this.config.rootUrl, uploadRecord.PATH, 'post');
    rb.path('patientId', this.patientId(), {});
    rb.header('Idempotency-Key', this.idempotencyKey, {});
    rb.body(
      { file, category, ...(remark.trim() ? { remark: remark.trim() } : {}) },
      'multipart/form-data',
    );
    const started = performance.now();
    this.busy.set(true);
    this.error.set(null);
    this.done.set(null);
    this.progress.set({ sent: 0, total: file.size, bytesPerSecond: 0 });
    this.running = this.http
      .request<RecordCreated>(
        rb.build({ responseType: 'json', accept: 'application/json', reportProgress: true }),
      )
      .subscribe({
        next: (ev) => {
          if (ev.type === HttpEventType.UploadProgress) {
            const seconds = (performance.now() - started) / 1000;
            // The multipart envelope adds a few hundred bytes to the file's size.
            const total = ev.total ?? file.size;
            this.progress.set({
              sent: ev.loaded,
              total,
              bytesPerSecond: seconds > 0 ? ev.loaded / seconds : 0,
            });
          } else if (ev instanceof HttpResponse && ev.body) {
            this.done.set(ev.body);
            this.uploaded.emit(ev.body);
            this.file.set(null);
            this.form.controls.remark.reset();
            this.busy.set(false);
          }
        },
        error: (e: unknown) => {
          this.error.set(describeError(e));
          this.busy.set(false);
        },
      });
  }

  cancel(): void {
    const fullySent = this.percent() >= 100;
    this.running?.unsubscribe();
    this.running = null;
    this.busy.set(false);
    this.progress.set(null);
    this.error.set({
      code: 'UNKNOWN',
      status: 0,
      text: fullySent
        ? 'Upload cancelled after the file was sent: the hospital may still record it. Check the list before uploading again.'
        : 'Upload cancelled. Nothing was recorded for this file.',
      fields: [],
      lines: [],
    });
  }
}
