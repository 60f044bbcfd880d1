// Names for ledger ids in the portal: a name when the gateway gave one, a neutral label
// otherwise; the ids a page shows are asked for in one request, once per signed-in person.
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideApiConfiguration } from '../src/app/api/generated/api-configuration';
import { PeopleService, personText } from '../src/app/core/people.service';
import { SessionService } from '../src/app/core/session.service';

const DOCTOR = 'Hospital2MSP/0b5c2f4e-4f55-4c1a-9c55-2d1f3c4b5a69';
const PATIENT = 'Hospital1MSP/7d1e0a55-1111-4c1a-9c55-2d1f3c4b5a69';
const hospitalName = (msp: string) =>
  ({ Hospital1MSP: 'St. Anne', Hospital2MSP: 'Riverside' })[msp] ?? msp;

describe('personText', () => {
  it('is the name when there is one', () => {
    const label = {
      personId: DOCTOR,
      mspId: 'Hospital2MSP',
      hospitalName: 'Riverside',
      name: 'Dr. Ana Lopez',
    };
    expect(personText(DOCTOR, label, hospitalName, 'Doctor')).toBe('Dr. Ana Lopez');
  });

  it('is otherwise neutral: the kind, the start of the uid and the hospital', () => {
    const label = { personId: PATIENT, mspId: 'Hospital1MSP', hospitalName: 'St. Anne' };
    expect(personText(PATIENT, label, hospitalName, 'Patient')).toBe('Patient 7d1e0a55 (St. Anne)');
    expect(personText(PATIENT, undefined, hospitalName)).toBe('7d1e0a55 (St. Anne)');
    expect(personText('no-slash', undefined, hospitalName)).toBe('no-slash');
  });
});

describe('PeopleService', () => {
  const flush = () => new Promise<void>((r) => queueMicrotask(r));

  function setup() {
    const user = signal<{ id: string } | null>({ id: 'patient-1' });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideApiConfiguration(''),
        { provide: SessionService, useValue: { user } },
      ],
    });
    return {
      people: TestBed.inject(PeopleService),
      http: TestBed.inject(HttpTestingController),
      user,
    };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('asks for the ids of one render in one request, once, and shows the answers', async () => {
    const { people, http } = setup();
    expect(people.text(DOCTOR, 'Doctor')).toBe('Doctor 0b5c2f4e (Hospital2)');
    people.text(PATIENT);
    people.text(DOCTOR);
    await flush();
    const req = http.expectOne((r) => r.url === '/directory/people');
    expect(req.request.params.getAll('ids')).toEqual([DOCTOR, PATIENT]);
    req.flush({
      items: [
        {
          personId: DOCTOR,
          mspId: 'Hospital2MSP',
          hospitalName: 'Riverside',
          name: 'Dr. Ana Lopez',
          role: 'doctor',
        },
        { personId: PATIENT, mspId: 'Hospital1MSP', hospitalName: 'St. Anne' },
      ],
    });
    http.expectOne('/directory/hospitals').flush({
      items: [{ mspId: 'Hospital1MSP', displayName: 'St. Anne General Hospital' }],
    });
    expect(people.text(DOCTOR, 'Doctor')).toBe('Dr. Ana Lopez');
    expect(people.text(PATIENT, 'Patient')).toBe('Patient 7d1e0a55 (St. Anne General Hospital)');
    await flush();
    http.expectNone('/directory/people');
  });

  it('forgets what one person could see when another signs in', async () => {
    const { people, http, user } = setup();
    people.text(PATIENT);
    await flush();
    http
      .expectOne((r) => r.url === '/directory/people')
      .flush({
        items: [
          {
            personId: PATIENT,
            mspId: 'Hospital1MSP',
            hospitalName: 'St. Anne',
            name: 'Ada Patient',
          },
        ],
      });
    http.expectOne('/directory/hospitals').flush({ items: [] });
    expect(people.text(PATIENT)).toBe('Ada Patient');

    user.set({ id: 'doctor-9' });
    expect(people.text(PATIENT, 'Patient')).toBe('Patient 7d1e0a55 (Hospital1)');
    await flush();
    http
      .expectOne((r) => r.url === '/directory/people')
      .flush({
        items: [{ personId: PATIENT, mspId: 'Hospital1MSP', hospitalName: 'St. Anne' }],
      });
    http.expectOne('/directory/hospitals').flush({ items: [] });
    expect(people.text(PATIENT, 'Patient')).toBe('Patient 7d1e0a55 (Hospital1)');
  });
});
