// The end of every public form (sign-in, patient sign-up, a doctor's code request): the server's
// captcha, the error in words and the submit button. `run` checks the form and the captcha,
// sends with the captcha's solution, and after a refusal shows why and a new picture (a captcha
// allows one try). The pages keep only their own fields and what they do with the answer.
import { ChangeDetectionStrategy, Component, input, signal, viewChild } from '@angular/core';
import type { AbstractControl } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import type { CaptchaSolution } from '../api/generated/models/captcha-solution';
import { type ShownError, describeError } from '../core/api-error';
import { CaptchaComponent } from './captcha.component';
import { ErrorBox } from './ui';

@Component({
  selector: 'ehr-captcha-submit',
  imports: [MatButtonModule, CaptchaComponent, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ehr-captcha />
    <ehr-error [error]="error()" />
    <button mat-flat-button type="submit" [disabled]="busy()">
      {{ busy() ? busyLabel() : label() }}
    </button>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
  `,
})
export class CaptchaSubmitComponent {
  readonly label = input.required<string>();
  readonly busyLabel = input.required<string>();
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  private readonly captcha = viewChild.required(CaptchaComponent);

  /**
   * Sends `form` when it and the captcha are complete (otherwise marks what is missing).
   * Resolves to the answer, or undefined when nothing was sent or the gateway refused.
   */
  async run<T>(
    form: AbstractControl,
    send: (solution: CaptchaSolution) => Promise<T>,
  ): Promise<T | undefined> {
    form.markAllAsTouched();
    const solution = this.captcha().solution();
    if (form.invalid || !solution || this.busy()) return undefined;
    this.busy.set(true);
    this.error.set(null);
    try {
      return await send(solution);
    } catch (e) {
      this.error.set(describeError(e));
      this.captcha().refresh();
      return undefined;
    } finally {
      this.busy.set(false);
    }
  }
}
