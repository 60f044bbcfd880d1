// Automatic logoff (HIPAA 164.312(a)(2)(iii)): the gateway ends a session after its idle
// timeout without requests. The portal warns a minute before, offers to stay signed in, and
// signs out itself when the time is up. A person who is using the page (keys, pointer) renews
// the session quietly, at most once a minute, while no warning is shown.
import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { MatDialog, type MatDialogRef } from '@angular/material/dialog';
import { IdleWarningDialog } from '../shared/idle-warning.dialog';
import { SessionActivity } from './session-activity';
import { SessionService } from './session.service';

const RENEW_AFTER_MS = 60_000;

@Injectable({ providedIn: 'root' })
export class IdleWatcher {
  private readonly session = inject(SessionService);
  private readonly activity = inject(SessionActivity);
  private readonly dialog = inject(MatDialog);
  private readonly now = signal(Date.now());
  private warning: MatDialogRef<IdleWarningDialog, boolean> | null = null;
  private renewing = false;
  private signingOut = false;

  /** Seconds until the gateway ends the session. */
  readonly secondsLeft = computed(() =>
    Math.max(
      0,
      Math.round(
        (this.activity.lastContact() + this.session.idleTimeoutSeconds() * 1000 - this.now()) /
          1000,
      ),
    ),
  );
  private readonly warnAtSeconds = computed(() =>
    Math.min(60, Math.floor(this.session.idleTimeoutSeconds() / 3)),
  );

  start(destroyRef: DestroyRef): void {
    const timer = setInterval(() => this.tick(), 1000);
    const onActivity = () => this.userActive();
    for (const ev of ['keydown', 'pointerdown', 'wheel'] as const)
      document.addEventListener(ev, onActivity, { passive: true });
    destroyRef.onDestroy(() => {
      clearInterval(timer);
      for (const ev of ['keydown', 'pointerdown', 'wheel'] as const)
        document.removeEventListener(ev, onActivity);
    });
  }

  private tick(): void {
    this.now.set(Date.now());
    // Closed without an answer (undefined) when the watcher itself ends it: only the person's
    // "Sign out now" (false) or "Stay signed in" (true) act.
    if (!this.session.user()) {
      this.warning?.close();
      return;
    }
    const left = this.secondsLeft();
    if (left <= 0) {
      // One sign-out: the session stays set until the gateway answers, and the ticks go on.
      if (this.signingOut) return;
      this.signingOut = true;
      this.warning?.close();
      void this.session.logout('idle').finally(() => (this.signingOut = false));
    } else if (left <= this.warnAtSeconds() && !this.warning && !this.renewing) {
      this.warning = this.dialog.open(IdleWarningDialog, {
        data: { secondsLeft: this.secondsLeft },
        disableClose: true,
        role: 'alertdialog',
        ariaLabelledBy: 'idle-title',
        ariaDescribedBy: 'idle-text',
      });
      // The answer acts when it is given; the dialog is forgotten only once its closing
      // animation ends. Until the renewal's answer has moved the deadline, no tick may open a
      // second warning (the old deadline is still inside the warning window).
      const dialog = this.warning;
      dialog.beforeClosed().subscribe((stay) => {
        if (stay === true) this.renew();
        else if (stay === false && this.session.user()) void this.session.logout('logout');
      });
      dialog.afterClosed().subscribe(() => {
        if (this.warning === dialog) this.warning = null;
      });
    }
  }

  private userActive(): void {
    if (this.warning || this.renewing || !this.session.user()) return;
    if (Date.now() - this.activity.lastContact() < RENEW_AFTER_MS) return;
    this.renew();
  }

  private renew(): void {
    if (this.renewing) return;
    this.renewing = true;
    this.session
      .extend()
      .catch(() => undefined)
      .finally(() => (this.renewing = false));
  }
}
