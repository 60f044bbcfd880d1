// A new password and its confirmation (patient and doctor sign-up), checked as the person types
// with the gateway's own rules: the group comes from `newPasswordGroup()` (core/field-rules).
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { type NewPasswordGroup, limits } from '../core/field-rules';

@Component({
  selector: 'ehr-new-password',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let password = group().controls.password;
    <mat-form-field appearance="outline">
      <mat-label>Password</mat-label>
      <input matInput type="password" [formControl]="password" autocomplete="new-password" />
      <mat-hint>At least {{ min }} characters. A few unrelated words work well.</mat-hint>
      @if (password.hasError('required')) {
        <mat-error>Please choose a password.</mat-error>
      } @else if (password.hasError('minlength')) {
        <mat-error>At least {{ min }} characters ({{ password.value.length }} so far).</mat-error>
      } @else if (password.hasError('maxlength')) {
        <mat-error>At most {{ max }} characters.</mat-error>
      }
    </mat-form-field>
    <mat-form-field appearance="outline">
      <mat-label>Password again</mat-label>
      <input
        matInput
        type="password"
        [formControl]="group().controls.passwordConfirmation"
        autocomplete="new-password"
        [errorStateMatcher]="confirmMatcher"
      />
      @if (group().hasError('passwordsDiffer')) {
        <mat-error>The two passwords differ.</mat-error>
      }
    </mat-form-field>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
    }
    mat-form-field {
      margin-bottom: 8px;
    }
  `,
})
export class NewPasswordComponent {
  readonly group = input.required<NewPasswordGroup>();
  readonly min = limits('Password').minLength;
  readonly max = limits('Password').maxLength;

  /** The confirmation shows the group's "differ" error as soon as it is typed. */
  readonly confirmMatcher = {
    isErrorState: () => {
      const c = this.group().controls.passwordConfirmation;
      return (c.dirty || c.touched) && (c.invalid || this.group().hasError('passwordsDiffer'));
    },
  };
}
