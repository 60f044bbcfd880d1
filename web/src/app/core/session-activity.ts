// When the server last saw this session (each answered request renews it on the gateway), and
// a signal when the gateway says the session is gone. The idle watcher and the session service
// read it; the HTTP interceptor writes it.
import { Injectable, signal } from '@angular/core';
import { Subject } from 'rxjs';

@Injectable({ providedIn: 'root' })
export class SessionActivity {
  readonly lastContact = signal(Date.now());
  readonly lost$ = new Subject<string>();

  serverContact(): void {
    this.lastContact.set(Date.now());
  }

  sessionLost(code: string): void {
    this.lost$.next(code);
  }
}
