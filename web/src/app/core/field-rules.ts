// Form validators built from the gateway's OpenAPI document (field-rules.generated.ts is
// written by web/build.mjs from gateway/openapi.yaml), so the portal checks as the person types
// exactly what the gateway will enforce. The gateway remains the authority.
import {
  type AbstractControl,
  FormControl,
  FormGroup,
  type ValidationErrors,
  type ValidatorFn,
  Validators,
} from '@angular/forms';
import { FIELD_RULES, type FieldRuleName } from '../api/field-rules.generated';

export function rule(name: FieldRuleName): ValidatorFn[] {
  const r = FIELD_RULES[name];
  const v: ValidatorFn[] = [Validators.required];
  if (r.minLength !== undefined) v.push(Validators.minLength(r.minLength));
  if (r.maxLength !== undefined) v.push(Validators.maxLength(r.maxLength));
  if (r.pattern !== undefined) v.push(Validators.pattern(new RegExp(r.pattern)));
  return v;
}

export function limits(name: FieldRuleName): { minLength?: number; maxLength?: number } {
  return FIELD_RULES[name];
}

/** Group validator: `passwordConfirmation` equals `password`. */
export const passwordsMatch: ValidatorFn = (group: AbstractControl): ValidationErrors | null => {
  const p = group.get('password')?.value as string | undefined;
  const c = group.get('passwordConfirmation')?.value as string | undefined;
  return p && c && p !== c ? { passwordsDiffer: true } : null;
};

export type NewPasswordGroup = FormGroup<{
  password: FormControl<string>;
  passwordConfirmation: FormControl<string>;
}>;

/** A new password and its confirmation, as the sign-up forms ask for them. */
export function newPasswordGroup(): NewPasswordGroup {
  return new FormGroup(
    {
      password: new FormControl('', { nonNullable: true, validators: rule('Password') }),
      passwordConfirmation: new FormControl('', {
        nonNullable: true,
        validators: rule('Password'),
      }),
    },
    { validators: passwordsMatch },
  );
}

/** Show a field's error while typing (dirty), not only after leaving it. */
export const showWhileTyping = {
  isErrorState: (control: AbstractControl | null): boolean =>
    !!control && control.invalid && (control.dirty || control.touched),
};
