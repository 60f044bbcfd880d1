import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { ErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import type { User } from '../api/generated/models/user';
import { SignupService } from '../api/generated/services/signup.service';
import { limits, newPasswordGroup, rule, showWhileTyping } from '../core/field-rules';
import { CaptchaSubmitComponent } from '../shared/captcha-submit.component';
import { NewPasswordComponent } from '../shared/new-password.component';

@Component({
  selector: 'ehr-patient-signup',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatFormFieldModule,
    MatInputModule,
    CaptchaSubmitComponent,
    NewPasswordComponent,
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
          <ehr-new-password [group]="form.controls.passwords" />
          <ehr-captcha-submit label="Create account" busyLabel="Creating your account…" />
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
  private readonly submitter = viewChild.required(CaptchaSubmitComponent);
  readonly created = signal<User | null>(null);
  readonly max = {
    fullName: limits('FullName').maxLength,
    address: limits('Address').maxLength,
  };

  readonly form = new FormGroup({
    fullName: new FormControl('', { nonNullable: true, validators: rule('FullName') }),
    address: new FormControl('', { nonNullable: true, validators: rule('Address') }),
    phone: new FormControl('', { nonNullable: true, validators: rule('Phone') }),
    email: new FormControl('', {
      nonNullable: true,
      validators: [...rule('Email'), Validators.email],
    }),
    username: new FormControl('', { nonNullable: true, validators: rule('Username') }),
    passwords: newPasswordGroup(),
  });

  async submit(): Promise<void> {
    const created = await this.submitter().run(this.form, (solution) => {
      const { passwords, ...person } = this.form.getRawValue();
      return firstValueFrom(
        this.signup.signUpPatient({ body: { ...person, ...passwords, ...solution } }),
      );
    });
    if (created) this.created.set(created);
  }
}
