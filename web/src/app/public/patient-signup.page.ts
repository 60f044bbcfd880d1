import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { ErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import type { User } from '../api/generated/models/user';
import { SignupService } from '../api/generated/services/signup.service';
import { type ShownError, describeError } from '../core/api-error';
import { limits, passwordsMatch, rule, showWhileTyping } from '../core/field-rules';
import { CaptchaComponent } from '../shared/captcha.component';
import { ErrorBox } from '../shared/ui';

@Component({
  selector: 'ehr-patient-signup',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    CaptchaComponent,
    ErrorBox,
  ],
  providers: [{ provide: ErrorStateMatcher, useValue: showWhileTyping }],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Create a patient account</h1>
      @if (created(); as u) {
        <div role="status" class="done">
          <p>
            Welcome, {{ u.fullName }}. Your account <strong>{{ u.username }}</strong> is ready.
          </p>
          <p><a routerLink="/login">Sign in now</a></p>
        </div>
      } @else {
        <p class="muted">
          All fields are required. Your name, address, phone and e-mail stay at this hospital; they
          are never written to the shared ledger.
        </p>
        <form class="form" [formGroup]="form" (ngSubmit)="submit()" novalidate>
          <mat-form-field appearance="outline">
            <mat-label>Full name</mat-label>
            <input
              matInput
              formControlName="fullName"
              autocomplete="name"
              [attr.maxlength]="max.fullName"
            />
            @if (form.controls.fullName.hasError('required')) {
              <mat-error>Please enter your name.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Address</mat-label>
            <textarea
              matInput
              formControlName="address"
              autocomplete="street-address"
              rows="2"
              [attr.maxlength]="max.address"
            ></textarea>
            @if (form.controls.address.hasError('required')) {
              <mat-error>Please enter your address.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Mobile phone</mat-label>
            <input
              matInput
              type="tel"
              formControlName="phone"
              autocomplete="tel"
              placeholder="+4915112345678"
            />
            <mat-hint>International form, starting with + and the country code.</mat-hint>
            @if (form.controls.phone.hasError('required')) {
              <mat-error>Please enter your mobile number.</mat-error>
            } @else if (form.controls.phone.hasError('pattern')) {
              <mat-error
                >Use the international form: + then the country code and number, digits
                only.</mat-error
              >
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>E-mail</mat-label>
            <input matInput type="email" formControlName="email" autocomplete="email" />
            @if (form.controls.email.hasError('required')) {
              <mat-error>Please enter your e-mail address.</mat-error>
            } @else if (form.controls.email.invalid) {
              <mat-error>This does not look like an e-mail address.</mat-error>
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
            <mat-hint>3 to 32 letters, digits, dots, dashes or underscores.</mat-hint>
            @if (form.controls.username.hasError('required')) {
              <mat-error>Please choose a username.</mat-error>
            } @else if (form.controls.username.invalid) {
              <mat-error
                >3 to 32 characters: letters, digits, . _ - (starting with a letter or
                digit).</mat-error
              >
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Password</mat-label>
            <input
              matInput
              type="password"
              formControlName="password"
              autocomplete="new-password"
            />
            <mat-hint
              >At least {{ min.password }} characters. A few unrelated words work well.</mat-hint
            >
            @if (form.controls.password.hasError('required')) {
              <mat-error>Please choose a password.</mat-error>
            } @else if (form.controls.password.hasError('minlength')) {
              <mat-error
                >At least {{ min.password }} characters ({{
                  form.controls.password.value.length
                }}
                so far).</mat-error
              >
            } @else if (form.controls.password.hasError('maxlength')) {
              <mat-error>At most {{ max.password }} characters.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Password again</mat-label>
            <input
              matInput
              type="password"
              formControlName="passwordConfirmation"
              autocomplete="new-password"
              [errorStateMatcher]="confirmMatcher"
            />
            @if (form.hasError('passwordsDiffer')) {
              <mat-error>The two passwords differ.</mat-error>
            }
          </mat-form-field>
          <ehr-captcha />
          <ehr-error [error]="error()" />
          <button mat-flat-button type="submit" [disabled]="busy()">
            {{ busy() ? 'Creating your account…' : 'Create account' }}
          </button>
        </form>
        <p>Already have an account? <a routerLink="/login">Sign in</a></p>
      }
    </div>
  `,
  styles: `
    .done {
      background: var(--mat-sys-secondary-container);
      padding: 8px 16px;
      border-radius: 8px;
    }
    mat-form-field {
      margin-bottom: 8px;
    }
  `,
})
export class PatientSignupPage {
  private readonly signup = inject(SignupService);
  private readonly captcha = viewChild.required(CaptchaComponent);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly created = signal<User | null>(null);
  readonly min = { password: limits('Password').minLength };
  readonly max = {
    fullName: limits('FullName').maxLength,
    address: limits('Address').maxLength,
    password: limits('Password').maxLength,
  };

  readonly form = new FormGroup(
    {
      fullName: new FormControl('', { nonNullable: true, validators: rule('FullName') }),
      address: new FormControl('', { nonNullable: true, validators: rule('Address') }),
      phone: new FormControl('', { nonNullable: true, validators: rule('Phone') }),
      email: new FormControl('', {
        nonNullable: true,
        validators: [...rule('Email'), Validators.email],
      }),
      username: new FormControl('', { nonNullable: true, validators: rule('Username') }),
      password: new FormControl('', { nonNullable: true, validators: rule('Password') }),
      passwordConfirmation: new FormControl('', {
        nonNullable: true,
        validators: rule('Password'),
      }),
    },
    { validators: passwordsMatch },
  );

  /** The confirmation shows the group's "differ" error as soon as it is typed. */
  readonly confirmMatcher = {
    isErrorState: () => {
      const c = this.form.controls.passwordConfirmation;
      return (c.dirty || c.touched) && (c.invalid || this.form.hasError('passwordsDiffer'));
    },
  };

  async submit(): Promise<void> {
    this.form.markAllAsTouched();
    const solution = this.captcha().solution();
    if (this.form.invalid || !solution) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      this.created.set(
        await firstValueFrom(
          this.signup.signUpPatient({ body: { ...this.form.getRawValue(), ...solution } }),
        ),
      );
    } catch (e) {
      this.error.set(describeError(e));
      this.captcha().refresh();
    } finally {
      this.busy.set(false);
    }
  }
}
