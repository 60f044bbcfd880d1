// The route guards: nobody signed in goes to the login (coming back afterwards), a person of
// another role goes to their own home (told which page was refused), the right role passes, and
// the public pages send a signed-in person home.
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import {
  type CanMatchFn,
  type Route,
  Router,
  UrlSegment,
  UrlTree,
  provideRouter,
} from '@angular/router';
import type { Role } from '../src/app/api/generated/models/role';
import {
  adminGuard,
  auditorGuard,
  doctorGuard,
  patientGuard,
  signedInGuard,
  signedOutGuard,
} from '../src/app/core/role.guard';
import { SessionService } from '../src/app/core/session.service';

function signedInAs(role: Role | null) {
  const session = {
    loads: 0,
    user: signal(role ? { id: 'u1', role } : null),
    async ensureLoaded() {
      session.loads += 1;
    },
  };
  TestBed.configureTestingModule({
    providers: [provideRouter([]), { provide: SessionService, useValue: session }],
  });
  return session;
}

async function check(guard: CanMatchFn, ...path: string[]): Promise<string | boolean> {
  const segments = path.map((p) => new UrlSegment(p, {}));
  // The guards read only the URL segments (the route and snapshot are not theirs to decide on).
  const snapshot = {} as Parameters<CanMatchFn>[2];
  const result = await TestBed.runInInjectionContext(() => guard({} as Route, segments, snapshot));
  return result instanceof UrlTree
    ? TestBed.inject(Router).serializeUrl(result)
    : (result as boolean);
}

describe('role guards', () => {
  it('send a person who is not signed in to the login, with the way back', async () => {
    const session = signedInAs(null);
    expect(await check(patientGuard, 'patient', 'sharing')).toBe(
      '/login?returnUrl=%2Fpatient%2Fsharing',
    );
    expect(await check(signedInGuard, 'records', 'r1')).toBe('/login?returnUrl=%2Frecords%2Fr1');
    // The session is asked for before deciding (a reload may still hold a valid cookie).
    expect(session.loads).toBe(2);
  });

  it.each([
    ['patient', patientGuard],
    ['doctor', doctorGuard],
    ['admin', adminGuard],
    ['auditor', auditorGuard],
  ] as const)('let a %s into their own pages', async (role, guard) => {
    signedInAs(role);
    expect(await check(guard, role)).toBe(true);
    expect(await check(signedInGuard, 'records', 'r1')).toBe(true);
  });

  it('send a person of another role to their own home, saying which page was refused', async () => {
    signedInAs('admin');
    expect(await check(patientGuard, 'patient', 'records')).toBe('/admin?refused=patient');
    expect(await check(doctorGuard, 'doctor')).toBe('/admin?refused=doctor');
    expect(await check(auditorGuard, 'auditor')).toBe('/admin?refused=auditor');
  });

  it('send a signed-in person from the public pages to their home, and let anyone else in', async () => {
    signedInAs('doctor');
    expect(await check(signedOutGuard, 'login')).toBe('/doctor');
    TestBed.resetTestingModule();
    signedInAs(null);
    expect(await check(signedOutGuard, 'login')).toBe(true);
  });
});
