// "Shared with me" for a doctor, in a real DOM against the generated client: loading, then one
// entry per patient (named only as the gateway allows) with what was shared, until when and with
// whom, linking to the patient's records; what an empty list means; a refusal in words, keyed by
// the gateway's error code.
import { HttpTestingController } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ERRORS } from '@ehr/common';
import type { Consent } from '../src/app/api/generated/models/consent';
import { SessionService } from '../src/app/core/session.service';
import { scopeText, sharedPatients } from '../src/app/doctor/shared-with-me';
import { DoctorSharedPage } from '../src/app/doctor/shared.page';
import { WhenPipe } from '../src/app/shared/ui';
import { apiTestProviders, settle } from './support/render';

const ME = 'Hospital2MSP/0b5c2f4e-4f55-4c1a-9c55-2d1f3c4b5a69';
const ANNA = 'Hospital1MSP/7d1e0a55-1111-4c1a-9c55-2d1f3c4b5a69';
const BEN = 'Hospital1MSP/3c2b1a00-2222-4c1a-9c55-2d1f3c4b5a69';
const HOSPITALS = [
  { mspId: 'Hospital1MSP', displayName: 'St. Anne General Hospital', membership: 'founding' },
  { mspId: 'Hospital2MSP', displayName: 'Riverside University Hospital', membership: 'founding' },
];

let seq = 0;
function grant(fields: Partial<Consent> & Pick<Consent, 'patientId'>): Consent {
  seq += 1;
  return {
    grantId: `g${seq}`,
    grantee: { type: 'doctor', doctorId: ME },
    scope: { type: 'all' },
    access: 'read',
    createdAt: `2026-05-0${seq}T09:00:00.000Z`,
    ...fields,
  };
}

describe('sharedPatients', () => {
  beforeEach(() => (seq = 0));

  it('gives one entry per patient, the latest sharer first, each with its grants newest first', () => {
    const a1 = grant({ patientId: ANNA });
    const b1 = grant({ patientId: BEN });
    const a2 = grant({ patientId: ANNA, grantee: { type: 'hospital', mspId: 'Hospital2MSP' } });
    expect(sharedPatients([a1, b1, a2])).toEqual([
      { patientId: ANNA, grants: [a2, a1] },
      { patientId: BEN, grants: [b1] },
    ]);
    expect(sharedPatients([])).toEqual([]);
  });

  it('says which records in words', () => {
    expect(scopeText({ type: 'all' })).toBe('All records, including future ones');
    expect(scopeText({ type: 'records', recordIds: ['r1'] })).toBe('1 record');
    expect(scopeText({ type: 'records', recordIds: ['r1', 'r2'] })).toBe('2 records');
  });
});

describe('Shared with me page', () => {
  beforeEach(() => (seq = 0));
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  async function render() {
    TestBed.configureTestingModule({
      providers: [
        ...apiTestProviders(),
        { provide: SessionService, useValue: { user: signal({ id: 'doctor-1', personId: ME }) } },
      ],
    });
    const fixture = TestBed.createComponent(DoctorSharedPage);
    const http = TestBed.inject(HttpTestingController);
    await settle(fixture);
    return { fixture, http, el: fixture.nativeElement as HTMLElement };
  }

  const text = (e: Element | null | undefined) => e?.textContent?.replace(/\s+/g, ' ').trim();

  /** Answers the name lookups the page made with the names the gateway gives (`names`), if any. */
  function answerDirectory(http: HttpTestingController, names: Record<string, string> = {}) {
    const asked = http.match((r) => r.url === '/directory/people');
    expect(asked.length).toBeGreaterThan(0);
    for (const req of asked) {
      req.flush({
        items: req.request.params.getAll('ids')!.map((personId) => ({
          personId,
          mspId: personId.slice(0, personId.indexOf('/')),
          hospitalName: 'St. Anne General Hospital',
          ...(names[personId] ? { name: names[personId], role: 'patient' } : {}),
        })),
      });
    }
    for (const req of http.match('/directory/hospitals')) req.flush({ items: HOSPITALS });
  }

  it('shows loading, then each patient with what was shared, until when and with whom', async () => {
    const { fixture, http, el } = await render();
    const req = http.expectOne('/doctors/me/consents');
    expect(req.request.method).toBe('GET');
    expect(text(el.querySelector('[role="status"]'))).toBe(
      'Loading what patients shared with you…',
    );
    const notAfter = '2026-06-01T21:59:59.999Z';
    req.flush({
      items: [
        grant({ patientId: ANNA, scope: { type: 'records', recordIds: ['r1', 'r2'] }, notAfter }),
        grant({ patientId: BEN, grantee: { type: 'hospital', mspId: 'Hospital2MSP' } }),
      ],
    });
    await settle(fixture);
    // The gateway names Ben (say, its own patient who shared with everyone at this hospital).
    answerDirectory(http, { [BEN]: 'Ben Okafor' });
    await settle(fixture);

    expect(el.querySelector('ehr-loading')).toBeNull();
    const entries = [...el.querySelectorAll('[data-testid="shared-patients"] > li')];
    expect(entries.map((e) => e.getAttribute('data-patient-id'))).toEqual([BEN, ANNA]);
    const [ben, anna] = entries as [Element, Element];
    // Another hospital's patient: the neutral label, never a name the gateway did not give.
    const link = anna.querySelector('a')!;
    expect(text(link)).toBe('Patient 7d1e0a55 (St. Anne General Hospital)');
    expect(link.getAttribute('href')).toBe(
      `/doctor/patients/${encodeURIComponent(ANNA)}?from=shared`,
    );
    expect(text(anna.querySelector('[data-testid="shared-grant"]'))).toBe(
      `2 records until ${new WhenPipe().transform(notAfter)} with you`,
    );
    expect(text(ben.querySelector('[data-testid="shared-grant"]'))).toBe(
      'All records, including future ones until the patient revokes it with everyone at Riverside University Hospital',
    );
    expect(text(ben.querySelector('a'))).toBe('Ben Okafor');
    expect(ben.querySelector('ul')?.getAttribute('aria-label')).toBe('What this patient shared');
  });

  it('says what an empty list means', async () => {
    const { fixture, http, el } = await render();
    http.expectOne('/doctors/me/consents').flush({ items: [] });
    await settle(fixture);
    expect(el.querySelector('[data-testid="shared-patients"]')).toBeNull();
    expect(text(el.querySelector('ehr-empty'))).toContain(
      'No patient shares records with you right now.',
    );
    expect(el.querySelector('[role="alert"]')).toBeNull();
  });

  it('shows a refusal in words, keyed by its code, and no empty state', async () => {
    const { fixture, http, el } = await render();
    http
      .expectOne('/doctors/me/consents')
      .flush(
        { code: 'FORBIDDEN_ROLE', message: ERRORS.FORBIDDEN_ROLE.message },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle(fixture);
    const alert = el.querySelector('[role="alert"]');
    expect(alert?.getAttribute('data-code')).toBe('FORBIDDEN_ROLE');
    expect(text(alert)).toBe(ERRORS.FORBIDDEN_ROLE.message);
    expect(el.querySelector('ehr-empty')).toBeNull();
    expect(el.querySelector('ehr-loading')).toBeNull();
  });
});
