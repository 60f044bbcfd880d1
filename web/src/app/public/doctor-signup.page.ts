// Doctor sign-up: the government ID is looked up in the hospital's registry, a code goes by SMS
// to the phone on file there (never to a number typed here), then the account is created.
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { ErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { differenceInSeconds, parseISO } from 'date-fns';
import { firstValueFrom } from 'rxjs';
import type { DoctorCodeSent } from '../api/generated/models/doctor-code-sent';
import type { User } from '../api/generated/models/user';
import { SignupService } from '../api/generated/services/signup.service';
import { type ShownError, describeError } from '../core/api-error';
import { newPasswordGroup, rule, showWhileTyping } from '../core/field-rules';
import { CaptchaSubmitComponent } from '../shared/captcha-submit.component';
import { NewPasswordComponent } from '../shared/new-password.component';
import { ErrorBox } from '../shared/ui';

@Component({
  selector: 'ehr-doctor-signup',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    CaptchaSubmitComponent,
    NewPasswordComponent,
    ErrorBox,
  ],
  providers: [{ provide: ErrorStateMatcher, useValue: showWhileTyping }],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Sign up as a doctor</h1>
      <ol class="steps" aria-label="Steps">
        <li [attr.aria-current]="step() === 1 ? 'step' : null" [class.current]="step() === 1">
          Government ID
        </li>
        <li [attr.aria-current]="step() === 2 ? 'step' : null" [class.current]="step() === 2">
          Code and account
        </li>
        <li [attr.aria-current]="step() === 3 ? 'step' : null" [class.current]="step() === 3">
          Done
        </li>
      </ol>

      @switch (step()) {
        @case (1) {
          <p>
            Enter the ID under which you are registered as a doctor. We send a code by text message
            to the phone number the registry holds for you.
          </p>
          <form class="form" [formGroup]="idForm" (ngSubmit)="sendCode()" novalidate>
            <mat-form-field appearance="outline">
              <mat-label>Government ID</mat-label>
              <input
                matInput
                formControlName="govId"
                autocomplete="off"
                autocapitalize="characters"
                spellcheck="false"
              />
              @if (idForm.controls.govId.hasError('required')) {
                <mat-error>Please enter your government ID.</mat-error>
              } @else if (idForm.controls.govId.invalid) {
                <mat-error>Letters, digits and dashes only.</mat-error>
              }
            </mat-form-field>
            <ehr-captcha-submit label="Send me a code" busyLabel="Sending…" />
          </form>
        }
        @case (2) {
          @if (sent(); as s) {
            <div class="sent" role="status" data-testid="code-sent">
              <p>
                We sent a 6-digit code to the phone on file ending in
                <strong>{{ s.phoneHint }}</strong>.
              </p>
              <p>
                @if (secondsLeft() > 0) {
                  The code expires in <strong>{{ countdown() }}</strong>.
                } @else {
                  <strong>The code has expired.</strong>
                }
                {{ attempts() }} attempt{{ attempts() === 1 ? '' : 's' }} left.
              </p>
            </div>
          }
          <form class="form" [formGroup]="accountForm" (ngSubmit)="createAccount()" novalidate>
            <mat-form-field appearance="outline">
              <mat-label>Code from the text message</mat-label>
              <input
                matInput
                formControlName="code"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
              />
              @if (accountForm.controls.code.invalid) {
                <mat-error>The code has 6 digits.</mat-error>
              }
            </mat-form-field>
            <mat-form-field appearance="outline">
              <mat-label>E-mail</mat-label>
              <input matInput type="email" formControlName="email" autocomplete="email" />
              @if (accountForm.controls.email.invalid) {
                <mat-error>Please enter a valid e-mail address.</mat-error>
              }
            </mat-form-field>
            <mat-form-field appearance="outline">
              <mat-label>Username</mat-label>
              <input
                matInput
                formControlName="username"
                autocomplete="username"
                autocapitalize="off"
                spellcheck="false"
              />
              @if (accountForm.controls.username.invalid) {
                <mat-error
                  >3 to 32 characters: letters, digits, . _ - (starting with a letter or
                  digit).</mat-error
                >
              }
            </mat-form-field>
            <ehr-new-password [group]="accountForm.controls.passwords" />
            <ehr-error [error]="error()" />
            <div class="row">
              <button
                mat-flat-button
                type="submit"
                [disabled]="busy() || secondsLeft() <= 0 || attempts() <= 0"
              >
                {{ busy() ? 'Creating your account…' : 'Create account' }}
              </button>
              <button mat-button type="button" (click)="restart()">Send a new code</button>
            </div>
          </form>
        }
        @case (3) {
          <div role="status" class="sent">
            <p>
              Your doctor account <strong>{{ created()?.username }}</strong> is ready.
            </p>
            <p><a routerLink="/login">Sign in now</a></p>
          </div>
        }
      }
    </div>
  `,
  styles: `
    .steps {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 24px;
      padding-left: 0;
      list-style-position: inside;
      color: var(--mat-sys-on-surface-variant);
    }
    .steps .current {
      color: var(--mat-sys-on-surface);
      font-weight: 600;
    }
    .sent {
      background: var(--mat-sys-secondary-container);
      color: var(--mat-sys-on-secondary-container);
      padding: 4px 16px;
      border-radius: 8px;
      margin-bottom: 16px;
    }
    mat-form-field {
      margin-bottom: 8px;
    }
  `,
})
export class DoctorSignupPage {
  private readonly signup = inject(SignupService);
  private readonly codeSubmitter = viewChild(CaptchaSubmitComponent);
  readonly step = signal<1 | 2 | 3>(1);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly sent = signal<DoctorCodeSent | null>(null);
  readonly attempts = signal(0);
  readonly created = signal<User | null>(null);
  private readonly now = signal(Date.now());

  readonly secondsLeft = computed(() => {
    const s = this.sent();
    return s ? Math.max(0, differenceInSeconds(parseISO(s.expiresAt), this.now())) : 0;
  });
  readonly countdown = computed(() => {
    const s = this.secondsLeft();
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  });

  readonly idForm = new FormGroup({
    govId: new FormControl('', { nonNullable: true, validators: rule('GovId') }),
  });
  readonly accountForm = new FormGroup({
    code: new FormControl('', { nonNullable: true, validators: rule('OtpCode') }),
    email: new FormControl('', {
      nonNullable: true,
      validators: [...rule('Email'), Validators.email],
    }),
    username: new FormControl('', { nonNullable: true, validators: rule('Username') }),
    passwords: newPasswordGroup(),
  });

  constructor() {
    const timer = setInterval(() => this.now.set(Date.now()), 1000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  async sendCode(): Promise<void> {
    const submitter = this.codeSubmitter();
    const sent = await submitter?.run(this.idForm, (solution) =>
      firstValueFrom(
        this.signup.sendDoctorSignupCode({
          body: { govId: this.idForm.getRawValue().govId.trim(), ...solution },
        }),
      ),
    );
    if (!sent) return;
    this.error.set(null);
    this.sent.set(sent);
    this.attempts.set(sent.attemptsRemaining);
    this.step.set(2);
  }

  async createAccount(): Promise<void> {
    this.accountForm.markAllAsTouched();
    const sent = this.sent();
    if (this.accountForm.invalid || !sent) return;
    const { passwords, ...account } = this.accountForm.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    try {
      this.created.set(
        await firstValueFrom(
          this.signup.signUpDoctor({
            body: { challengeId: sent.challengeId, ...account, ...passwords },
          }),
        ),
      );
      this.step.set(3);
    } catch (e) {
      const shown = describeError(e);
      this.error.set(shown);
      if (shown.attemptsRemaining !== undefined) this.attempts.set(shown.attemptsRemaining);
      if (shown.code === 'OTP_ATTEMPTS_EXCEEDED') this.attempts.set(0);
      if (shown.code === 'OTP_EXPIRED') this.now.set(parseISO(sent.expiresAt).getTime());
    } finally {
      this.busy.set(false);
    }
  }

  restart(): void {
    this.sent.set(null);
    this.error.set(null);
    this.accountForm.controls.code.reset();
    this.step.set(1);
  }
}
