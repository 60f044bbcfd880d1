import { computed, inject } from '@angular/core';
import { SessionService } from './session.service';

/** The signed-in person's ledger id (`<mspId>/<uid>`), for pages that only a signed-in role reaches. */
export function myPersonId() {
  const session = inject(SessionService);
  return computed(() => session.user()?.personId ?? '');
}
