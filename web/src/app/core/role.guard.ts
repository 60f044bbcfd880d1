// One guard per role (and one for "any signed-in person"): the UI's routing follows the
// session's role; the gateway and the chaincode still decide every request on their own.
import { inject } from '@angular/core';
import { type CanMatchFn, Router } from '@angular/router';
import type { Role } from '../api/generated/models/role';
import { HOME_OF, SessionService } from './session.service';

function guardFor(role: Role | null): CanMatchFn {
  return async (_route, segments) => {
    const session = inject(SessionService);
    const router = inject(Router);
    await session.ensureLoaded();
    const user = session.user();
    if (!user) {
      return router.createUrlTree(['/login'], {
        queryParams: { returnUrl: '/' + segments.map((s) => s.path).join('/') },
      });
    }
    if (role && user.role !== role)
      return router.createUrlTree([HOME_OF[user.role]], { queryParams: { refused: role } });
    return true;
  };
}

export const signedInGuard = guardFor(null);
export const patientGuard = guardFor('patient');
export const doctorGuard = guardFor('doctor');
export const adminGuard = guardFor('admin');
export const auditorGuard = guardFor('auditor');

/** Public pages (login, signup) send a signed-in person to their own home. */
export const signedOutGuard: CanMatchFn = async () => {
  // Everything injected before the first await: after it there is no injection context.
  const session = inject(SessionService);
  const router = inject(Router);
  await session.ensureLoaded();
  const user = session.user();
  return user ? router.createUrlTree([HOME_OF[user.role]]) : true;
};
