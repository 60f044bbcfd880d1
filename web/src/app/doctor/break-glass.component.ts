// Emergency ("break-glass") access: a written reason, time-boxed by the ledger, always shown to
// the patient and to auditors. Clearly marked so nobody uses it by accident.
import { ChangeDetectionStrategy, Component, inject, input, output, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { firstValueFrom } from 'rxjs';
import type { BreakGlass } from '../api/generated/models/break-glass';
import { AccessService } from '../api/generated/services/access.service';
import { type ShownError, describeError } from '../core/api-error';
import { limits, rule, showWhileTyping } from '../core/field-rules';
import { ErrorBox, WhenPipe } from '../shared/ui';

@Component({
  selector: 'ehr-break-glass',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    ErrorBox,
    WhenPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="glass" aria-labelledby="bg-title">
      <h3 id="bg-title">Break-glass: emergency access to all of this patient’s records</h3>
      @if (declared(); as d) {
        <p role="status">
          Emergency access declared until <strong>{{ d.expiresAt | when }}</strong>. The patient and
          the auditors see it with your reason.
        </p>
      } @else {
        <p>
          Only when the patient’s life or health is at risk and you cannot get consent. Your reason
          is recorded on the ledger and shown to the patient and to auditors.
        </p>
        <mat-form-field appearance="outline" class="reason">
          <mat-label>Reason (at least {{ min }} characters)</mat-label>
          <textarea
            matInput
            [formControl]="reason"
            rows="3"
            [attr.maxlength]="max"
            [errorStateMatcher]="matcher"
          ></textarea>
          <mat-hint align="end">{{ reason.value.length }} / {{ max }}</mat-hint>
          @if (reason.hasError('minlength')) {
            <mat-error>Please say why, in at least {{ min }} characters.</mat-error>
          }
        </mat-form-field>
        <mat-checkbox [formControl]="confirm">I confirm this is an emergency.</mat-checkbox>
        <ehr-error [error]="error()" />
        <div>
          <button
            mat-flat-button
            class="danger"
            (click)="declare()"
            [disabled]="busy() || reason.invalid || !confirm.value"
          >
            Declare emergency access
          </button>
        </div>
      }
    </section>
  `,
  styles: `
    .glass {
      border: 2px solid var(--mat-sys-error);
      border-radius: 8px;
      padding: 8px 16px 16px;
      max-width: 640px;
    }
    h3 {
      color: var(--mat-sys-error);
      font: var(--mat-sys-title-medium);
    }
    .reason {
      width: 100%;
    }
    .danger {
      margin-top: 8px;
    }
    .danger:enabled {
      --mat-button-filled-container-color: var(--mat-sys-error);
      --mat-button-filled-label-text-color: var(--mat-sys-on-error);
    }
  `,
})
export class BreakGlassComponent {
  private readonly access = inject(AccessService);
  readonly patientId = input.required<string>();
  readonly declaredChange = output<BreakGlass>({ alias: 'declared' });
  readonly min = limits('BreakGlassReason').minLength ?? 20;
  readonly max = limits('BreakGlassReason').maxLength ?? 1000;
  readonly matcher = showWhileTyping;
  readonly reason = new FormControl('', {
    nonNullable: true,
    validators: rule('BreakGlassReason'),
  });
  readonly confirm = new FormControl(false, { nonNullable: true });
  readonly busy = signal(false);
  readonly declared = signal<BreakGlass | null>(null);
  readonly error = signal<ShownError | null>(null);

  async declare(): Promise<void> {
    if (this.reason.invalid || !this.confirm.value) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const bg = await firstValueFrom(
        this.access.declareBreakGlass({
          patientId: this.patientId(),
          body: { reason: this.reason.value.trim() },
        }),
      );
      this.declared.set(bg);
      this.declaredChange.emit(bg);
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
