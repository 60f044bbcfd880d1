// Import the government-ID registry (CSV: govId,name,phone,specialty). All lines or none: a
// refused file comes back with the problem of each bad line.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { firstValueFrom } from 'rxjs';
import type { RegistryImportResult } from '../api/generated/models/registry-import-result';
import { AdminService } from '../api/generated/services/admin.service';
import { type ShownError, describeError } from '../core/api-error';
import { BytesPipe, ErrorBox } from '../shared/ui';

@Component({
  selector: 'ehr-registry',
  imports: [MatButtonModule, ErrorBox, BytesPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Doctor registry</h1>
      <p>
        Doctors sign up with the government ID listed here; their code goes to the phone in this
        list. Upload a CSV file with the header
        <code>govId,name,phone,specialty</code> and phones in international form (+ and country
        code). Existing IDs are updated.
      </p>
      <div
        class="drop"
        [class.over]="over()"
        (dragover)="$event.preventDefault(); over.set(true)"
        (dragleave)="over.set(false)"
        (drop)="dropped($event)"
      >
        @if (file(); as f) {
          <p>
            <strong>{{ f.name }}</strong> ({{ f.size | bytes }})
          </p>
        } @else {
          <p>Drop a CSV file here, or</p>
        }
        <input
          #picker
          type="file"
          hidden
          accept=".csv,text/csv"
          (change)="picked(picker)"
          aria-label="Registry CSV file"
        />
        <button mat-stroked-button type="button" (click)="picker.click()">Choose a CSV file</button>
      </div>
      <button mat-flat-button (click)="upload()" [disabled]="!file() || busy()">
        {{ busy() ? 'Importing…' : 'Import' }}
      </button>
      <ehr-error [error]="error()" />
      @if (error()?.lines?.length) {
        <div class="table-wrap">
          <table class="data" data-testid="registry-errors">
            <caption>
              Lines to fix (nothing was imported)
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              @for (l of error()?.lines ?? []; track $index) {
                <tr>
                  <td>{{ l.line }}</td>
                  <td>{{ l.field ?? '' }}</td>
                  <td>{{ l.message }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
      @if (result(); as r) {
        <p role="status" class="ok" data-testid="registry-result">
          Imported {{ r.imported }} line{{ r.imported === 1 ? '' : 's' }}: {{ r.created }} new,
          {{ r.updated }} updated.
        </p>
      }
    </div>
  `,
  styles: `
    .drop {
      border: 2px dashed var(--mat-sys-outline);
      border-radius: 8px;
      padding: 16px;
      margin-bottom: 12px;
      text-align: center;
      max-width: 560px;
    }
    .drop.over {
      background: var(--mat-sys-secondary-container);
    }
    .ok {
      color: #1b5e20;
    }
  `,
})
export class RegistryPage {
  private readonly admin = inject(AdminService);
  readonly file = signal<File | null>(null);
  readonly over = signal(false);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly result = signal<RegistryImportResult | null>(null);

  picked(el: HTMLInputElement): void {
    this.choose(el.files?.[0]);
    el.value = '';
  }

  dropped(ev: DragEvent): void {
    ev.preventDefault();
    this.over.set(false);
    this.choose(ev.dataTransfer?.files[0]);
  }

  private choose(f: File | undefined): void {
    if (!f) return;
    this.file.set(f);
    this.error.set(null);
    this.result.set(null);
  }

  async upload(): Promise<void> {
    const f = this.file();
    if (!f) return;
    this.busy.set(true);
    this.error.set(null);
    this.result.set(null);
    try {
      this.result.set(await firstValueFrom(this.admin.importRegistry({ body: await f.text() })));
      this.file.set(null);
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
