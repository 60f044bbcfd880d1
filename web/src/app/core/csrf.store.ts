// The session's CSRF token (the gateway's synchroniser token). Sent as X-CSRF-Token on every
// state-changing request; a new one comes with each login because login starts a new session.
import { Injectable } from '@angular/core';

@Injectable({ providedIn: 'root' })
export class CsrfStore {
  token: string | null = null;
}
