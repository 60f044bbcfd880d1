// The patient sign-up form in a real DOM: fields are checked as the person types (with the
// gateway's own rules from openapi.yaml), nothing is sent while a field or the captcha is
// missing, a complete form is sent once with the captcha's solution, and a refusal is shown in
// words with a new captcha picture (one try each).
import { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { ERRORS } from '@ehr/common';
import { PatientSignupPage } from '../src/app/public/patient-signup.page';
import { apiTestProviders, settle } from './support/render';

const PASSWORD = 'correct horse battery staple';
let captchaSeq = 0;

async function render() {
  TestBed.configureTestingModule({ providers: apiTestProviders() });
  const fixture = TestBed.createComponent(PatientSignupPage);
  const http = TestBed.inject(HttpTestingController);
  await settle(fixture);
  serveCaptcha(http);
  await settle(fixture);
  return { fixture, http, el: fixture.nativeElement as HTMLElement };
}

/** Answers the captcha request with a new picture; returns its id. */
function serveCaptcha(http: HttpTestingController): string {
  const captchaId = `00000000-0000-4000-8000-${String(++captchaSeq).padStart(12, '0')}`;
  http
    .expectOne('/auth/captcha')
    .flush({ captchaId, svg: '<svg xmlns="http://www.w3.org/2000/svg"/>' });
  return captchaId;
}

/** The input of the form field labelled `label`. */
function field(el: HTMLElement, label: string): HTMLInputElement {
  const ff = [...el.querySelectorAll('mat-form-field')].find(
    (f) => f.querySelector('mat-label')?.textContent?.trim() === label,
  );
  const input = ff?.querySelector('input, textarea');
  if (!input) throw new Error(`no field labelled ${label}`);
  return input as HTMLInputElement;
}

async function type(fixture: ComponentFixture<unknown>, input: HTMLInputElement, value: string) {
  input.value = value;
  input.dispatchEvent(new Event('input'));
  await settle(fixture);
}

const errors = (el: HTMLElement) =>
  [...el.querySelectorAll('mat-error')].map((e) => e.textContent!.replace(/\s+/g, ' ').trim());

async function fillValid(fixture: ComponentFixture<unknown>, el: HTMLElement) {
  await type(fixture, field(el, 'Full name'), 'Ada Lovelace');
  await type(fixture, field(el, 'Address'), '12 Harbour Road, Springfield');
  await type(fixture, field(el, 'Mobile phone'), '+4915112345678');
  await type(fixture, field(el, 'E-mail'), 'ada@example.org');
  await type(fixture, field(el, 'Username'), 'ada.lovelace');
  await type(fixture, field(el, 'Password'), PASSWORD);
  await type(fixture, field(el, 'Password again'), PASSWORD);
  await type(fixture, field(el, 'Characters in the picture'), 'x7Kp2');
}

async function submit(fixture: ComponentFixture<unknown>, el: HTMLElement) {
  el.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
  await settle(fixture);
}

describe('patient sign-up form', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('says what is wrong while the person types', async () => {
    const { fixture, el } = await render();
    expect(errors(el)).toEqual([]);
    await type(fixture, field(el, 'Mobile phone'), '0151 1234567');
    expect(errors(el)).toContain(
      'Use the international form: + then the country code and number, digits only.',
    );
    await type(fixture, field(el, 'Password'), 'short');
    expect(errors(el)).toContain('At least 12 characters (5 so far).');
    await type(fixture, field(el, 'Password'), PASSWORD);
    await type(fixture, field(el, 'Password again'), `${PASSWORD}!`);
    expect(errors(el)).toContain('The two passwords differ.');
    await type(fixture, field(el, 'Password again'), PASSWORD);
    await type(fixture, field(el, 'Mobile phone'), '+4915112345678');
    expect(errors(el)).toEqual([]);
  });

  it('sends nothing while a field or the captcha is missing, and marks them', async () => {
    const { fixture, http, el } = await render();
    await fillValid(fixture, el);
    await type(fixture, field(el, 'Characters in the picture'), '');
    await submit(fixture, el);
    expect(errors(el)).toContain('Please type the characters from the picture.');
    await type(fixture, field(el, 'Characters in the picture'), 'x7Kp2');
    await type(fixture, field(el, 'Address'), '');
    await submit(fixture, el);
    expect(errors(el)).toContain('Please enter your address.');
    http.expectNone('/signup/patient');
  });

  it('sends a complete form once, with the captcha, and welcomes the new patient', async () => {
    const { fixture, http, el } = await render();
    await fillValid(fixture, el);
    await submit(fixture, el);
    const req = http.expectOne('/signup/patient');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      fullName: 'Ada Lovelace',
      address: '12 Harbour Road, Springfield',
      phone: '+4915112345678',
      email: 'ada@example.org',
      username: 'ada.lovelace',
      password: PASSWORD,
      passwordConfirmation: PASSWORD,
      captchaId: '00000000-0000-4000-8000-' + String(captchaSeq).padStart(12, '0'),
      captchaAnswer: 'x7Kp2',
    });
    expect(el.querySelector('button[type="submit"]')!.textContent).toContain(
      'Creating your account…',
    );
    req.flush(
      { fullName: 'Ada Lovelace', username: 'ada.lovelace' },
      { status: 201, statusText: 'Created' },
    );
    await settle(fixture);
    expect(el.querySelector('[role="status"]')!.textContent).toContain(
      'Welcome, Ada Lovelace. Your account ada.lovelace is ready.',
    );
  });

  it('shows a refusal in words and a new captcha picture', async () => {
    const { fixture, http, el } = await render();
    await fillValid(fixture, el);
    await submit(fixture, el);
    http
      .expectOne('/signup/patient')
      .flush({ code: 'USERNAME_TAKEN', message: 'taken' }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    const fresh = serveCaptcha(http);
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')!.textContent).toContain(
      ERRORS.USERNAME_TAKEN.message,
    );
    expect(el.querySelector('img')!.getAttribute('data-captcha-id')).toBe(fresh);
    expect(field(el, 'Characters in the picture').value).toBe('');
    // The person's entries stay, ready to correct.
    expect(field(el, 'Full name').value).toBe('Ada Lovelace');
  });
});
