// The gateway's captcha: a server-made picture, one try each; a new one after every attempt.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { CaptchaSolution } from '../api/generated/models/captcha-solution';
import { AuthService } from '../api/generated/services/auth.service';
import { type ShownError, describeError } from '../core/api-error';
import { ErrorBox } from './ui';

@Component({
  selector: 'ehr-captcha',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatButtonModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="captcha">
      @if (src(); as s) {
        <img
          [src]="s"
          alt="Security check: a picture of distorted characters"
          width="150"
          height="50"
          data-testid="captcha-image"
          [attr.data-captcha-id]="captchaId()"
        />
      } @else {
        <span class="placeholder" aria-hidden="true"></span>
      }
      <button mat-button type="button" (click)="refresh()">New picture</button>
    </div>
    <ehr-error [error]="error()" />
    <mat-form-field appearance="outline">
      <mat-label>Characters in the picture</mat-label>
      <input
        matInput
        [formControl]="answer"
        autocomplete="off"
        autocapitalize="off"
        spellcheck="false"
        maxlength="16"
        name="captcha"
      />
      @if (answer.hasError('required') && answer.touched) {
        <mat-error>Please type the characters from the picture.</mat-error>
      }
    </mat-form-field>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
    }
    .captcha {
      display: flex;
      align-items: center;
      gap: 8px;
      margin-bottom: 8px;
    }
    img,
    .placeholder {
      width: 150px;
      height: 50px;
      background: #fff;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 4px;
    }
  `,
})
export class CaptchaComponent {
  private readonly auth = inject(AuthService);
  readonly src = signal<string | null>(null);
  readonly error = signal<ShownError | null>(null);
  readonly captchaId = signal<string | null>(null);
  readonly answer = new FormControl('', {
    nonNullable: true,
    validators: [Validators.required, Validators.maxLength(16)],
  });

  constructor() {
    this.refresh();
  }

  refresh(): void {
    this.answer.reset();
    this.auth.createCaptcha().subscribe({
      next: (c) => {
        this.captchaId.set(c.captchaId);
        // Shown as an image (never inserted as markup): an SVG in <img> cannot run scripts.
        this.src.set('data:image/svg+xml;charset=utf-8,' + encodeURIComponent(c.svg));
        this.error.set(null);
      },
      error: (e: unknown) => this.error.set(describeError(e)),
    });
  }

  /** The solution to send, or null (and the field marked) when incomplete. */
  solution(): CaptchaSolution | null {
    this.answer.markAsTouched();
    const captchaId = this.captchaId();
    if (!captchaId || this.answer.invalid) return null;
    return { captchaId, captchaAnswer: this.answer.value.trim() };
  }
}
