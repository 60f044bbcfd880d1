// The signed-in person (or nobody), from the gateway's cookie session.
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import type { LoginRequest } from '../api/generated/models/login-request';
import type { Role } from '../api/generated/models/role';
import type { Session } from '../api/generated/models/session';
import type { User } from '../api/generated/models/user';
import { AuthService } from '../api/generated/services/auth.service';
import { CsrfStore } from './csrf.store';
import { SessionActivity } from './session-activity';

export const HOME_OF: Record<Role, string> = {
  patient: '/patient',
  doctor: '/doctor',
  admin: '/admin',
  auditor: '/auditor',
};

@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly auth = inject(AuthService);
  private readonly csrf = inject(CsrfStore);
  private readonly activity = inject(SessionActivity);
  private readonly router = inject(Router);

  private readonly session = signal<Session | null>(null);
  private loaded: Promise<void> | null = null;
  readonly user = computed<User | null>(() => this.session()?.user ?? null);
  readonly idleTimeoutSeconds = computed(() => this.session()?.idleTimeoutSeconds ?? 900);
  /** Why the last session ended, shown on the login page. */
  readonly endedBecause = signal<'idle' | 'expired' | 'logout' | null>(null);

  constructor() {
    this.activity.lost$.subscribe(() => {
      if (!this.session()) return;
      this.forget('expired');
      void this.router.navigate(['/login']);
    });
  }

  /** Loads the current session once (the gateway's cookie may still be valid after a reload). */
  ensureLoaded(): Promise<void> {
    this.loaded ??= firstValueFrom(this.auth.getSession()).then(
      (s) => this.accept(s),
      () => this.session.set(null),
    );
    return this.loaded;
  }

  async login(req: LoginRequest): Promise<User> {
    const s = await firstValueFrom(this.auth.login({ body: req }));
    this.accept(s);
    this.endedBecause.set(null);
    return s.user;
  }

  /** Renews the session on the gateway (GET /auth/session extends it). */
  async extend(): Promise<void> {
    this.accept(await firstValueFrom(this.auth.getSession()));
  }

  async logout(reason: 'idle' | 'logout'): Promise<void> {
    try {
      await firstValueFrom(this.auth.logout());
    } catch {
      // Already gone on the server: nothing more to end.
    }
    this.forget(reason);
    await this.router.navigate(['/login']);
  }

  private accept(s: Session): void {
    this.session.set(s);
    this.csrf.token = s.csrfToken;
    this.activity.serverContact();
  }

  private forget(reason: 'idle' | 'expired' | 'logout'): void {
    this.session.set(null);
    this.csrf.token = null;
    this.loaded = Promise.resolve();
    this.endedBecause.set(reason);
  }
}
