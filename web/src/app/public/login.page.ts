import { ChangeDetectionStrategy, Component, inject, input, viewChild } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { Router, RouterLink } from '@angular/router';
import type { Role } from '../api/generated/models/role';
import { HOME_OF, SessionService } from '../core/session.service';
import { CaptchaSubmitComponent } from '../shared/captcha-submit.component';

const ROLES: { value: Role; label: string }[] = [
  { value: 'patient', label: 'Patient' },
  { value: 'doctor', label: 'Doctor' },
  { value: 'admin', label: 'Hospital admin' },
  { value: 'auditor', label: 'Auditor' },
];

@Component({
  selector: 'ehr-login',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatFormFieldModule,
    MatInputModule,
    MatRadioModule,
    CaptchaSubmitComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Sign in</h1>
      @switch (session.endedBecause()) {
        @case ('idle') {
          <p class="notice" role="status">
            You were signed out because nothing happened for a while. Please sign in again.
          </p>
        }
        @case ('expired') {
          <p class="notice" role="status">Your session ended. Please sign in again.</p>
        }
        @case ('logout') {
          <p class="notice" role="status">You are signed out.</p>
        }
      }
      <form class="form" [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <fieldset>
          <legend>I am signing in as</legend>
          <mat-radio-group formControlName="role" class="roles">
            @for (r of roles; track r.value) {
              <mat-radio-button [value]="r.value">{{ r.label }}</mat-radio-button>
            }
          </mat-radio-group>
        </fieldset>
        <mat-form-field appearance="outline">
          <mat-label>Username</mat-label>
          <input
            matInput
            formControlName="username"
            autocomplete="username"
            autocapitalize="off"
            spellcheck="false"
            name="username"
          />
          @if (form.controls.username.hasError('required')) {
            <mat-error>Please enter your username.</mat-error>
          }
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Password</mat-label>
          <input
            matInput
            type="password"
            formControlName="password"
            autocomplete="current-password"
            name="password"
          />
          @if (form.controls.password.hasError('required')) {
            <mat-error>Please enter your password.</mat-error>
          }
        </mat-form-field>
        <ehr-captcha-submit label="Sign in" busyLabel="Signing in…" />
      </form>
      <h2>New here?</h2>
      <p>
        <a routerLink="/signup/patient">Create a patient account</a> ·
        <a routerLink="/signup/doctor">Sign up as a doctor</a> (with your government-registered ID)
      </p>
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
      margin-bottom: 4px;
    }
    .roles {
      display: flex;
      flex-wrap: wrap;
      gap: 0 8px;
    }
    .notice {
      background: var(--mat-sys-secondary-container);
      color: var(--mat-sys-on-secondary-container);
      padding: 8px 16px;
      border-radius: 8px;
    }
  `,
})
export class LoginPage {
  readonly session = inject(SessionService);
  private readonly router = inject(Router);
  readonly returnUrl = input<string>();
  readonly roles = ROLES;
  private readonly submitter = viewChild.required(CaptchaSubmitComponent);

  readonly form = new FormGroup({
    role: new FormControl<Role>('patient', { nonNullable: true, validators: Validators.required }),
    username: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.maxLength(64)],
    }),
    password: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.maxLength(256)],
    }),
  });

  async submit(): Promise<void> {
    const submitter = this.submitter();
    const user = await submitter.run(this.form, (solution) =>
      this.session.login({ ...this.form.getRawValue(), ...solution }),
    );
    if (!user) {
      if (submitter.error()) this.form.controls.password.reset();
      return;
    }
    const target = this.returnUrl();
    // Only same-portal paths: never an address given in a link.
    await this.router.navigateByUrl(
      target?.startsWith('/') && !target.startsWith('//') ? target : HOME_OF[user.role],
    );
  }
}
