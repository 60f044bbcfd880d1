// Automatic logoff: a warning a minute before the gateway ends an idle session, "Stay signed in"
// renews it, "Sign out now" and the end of the time sign out. The bug this guards against: after
// "Stay signed in", while the renewal was still on its way, the old deadline was still inside the
// warning window and the next tick opened a second warning behind the closing one.
import { jest } from '@jest/globals';
import { DestroyRef, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { Subject } from 'rxjs';
import { IdleWatcher } from '../src/app/core/idle-watcher';
import { SessionActivity } from '../src/app/core/session-activity';
import { SessionService } from '../src/app/core/session.service';

/** A dialog as MatDialog hands it out: answered first, forgotten after its closing animation. */
class FakeDialogRef {
  readonly before = new Subject<boolean | undefined>();
  readonly after = new Subject<boolean | undefined>();
  beforeClosed() {
    return this.before;
  }
  afterClosed() {
    return this.after;
  }
  close(answer?: boolean) {
    this.before.next(answer);
    this.before.complete();
  }
  /** The closing animation ended. */
  closed() {
    this.after.next(undefined);
    this.after.complete();
  }
}

const IDLE_SECONDS = 180; // warning at 60 s left

function setup() {
  const dialogs: FakeDialogRef[] = [];
  let finishRenewal: () => void = () => undefined;
  const activity = new SessionActivity();
  const session = {
    user: signal<{ id: string } | null>({ id: 'u1' }),
    idleTimeoutSeconds: signal(IDLE_SECONDS),
    // As the real one: the gateway's answer moves the last contact (SessionService.accept).
    extend: jest.fn(
      () =>
        new Promise<void>((resolve) => {
          finishRenewal = () => {
            activity.serverContact();
            resolve();
          };
        }),
    ),
    logout: jest.fn(async () => undefined),
  };
  TestBed.configureTestingModule({
    providers: [
      IdleWatcher,
      { provide: SessionService, useValue: session },
      { provide: SessionActivity, useValue: activity },
      {
        provide: MatDialog,
        useValue: { open: jest.fn(() => dialogs[dialogs.push(new FakeDialogRef()) - 1]) },
      },
    ],
  });
  const destroyed: (() => void)[] = [];
  TestBed.inject(IdleWatcher).start({
    onDestroy: (f: () => void) => destroyed.push(f),
  } as unknown as DestroyRef);
  return {
    dialogs,
    session,
    finishRenewal: () => finishRenewal(),
    stop: () => destroyed.forEach((f) => f()),
  };
}

/** Lets `seconds` of ticks pass (and the promises they start settle). */
async function pass(seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) await jest.advanceTimersByTimeAsync(1000);
}

describe('IdleWatcher', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('warns once, a minute before the end', async () => {
    const t = setup();
    await pass(IDLE_SECONDS - 61);
    expect(t.dialogs).toHaveLength(0);
    await pass(2);
    expect(t.dialogs).toHaveLength(1);
    await pass(10);
    expect(t.dialogs).toHaveLength(1);
    t.stop();
  });

  it('after "Stay signed in", no second warning opens while the renewal is on its way', async () => {
    const t = setup();
    await pass(IDLE_SECONDS - 59);
    expect(t.dialogs).toHaveLength(1);

    t.dialogs[0]!.close(true); // "Stay signed in"
    expect(t.session.extend).toHaveBeenCalledTimes(1);
    await pass(1);
    t.dialogs[0]!.closed(); // the animation ends before the gateway answered
    await pass(5); // the old deadline is still inside the warning window
    expect(t.dialogs).toHaveLength(1);
    expect(t.session.extend).toHaveBeenCalledTimes(1);
    expect(t.session.logout).not.toHaveBeenCalled();

    t.finishRenewal();
    await pass(5);
    expect(t.dialogs).toHaveLength(1);
    // A full idle period later the next warning comes, as it should.
    await pass(IDLE_SECONDS - 60);
    expect(t.dialogs).toHaveLength(2);
    t.stop();
  });

  it('"Sign out now" signs out at once', async () => {
    const t = setup();
    await pass(IDLE_SECONDS - 59);
    t.dialogs[0]!.close(false);
    expect(t.session.logout).toHaveBeenCalledWith('logout');
    expect(t.session.extend).not.toHaveBeenCalled();
    t.stop();
  });

  it('signs out when the time is up without an answer, closing the warning', async () => {
    const t = setup();
    const closed = jest.fn();
    await pass(IDLE_SECONDS - 59);
    t.dialogs[0]!.before.subscribe(closed);
    await pass(60);
    expect(t.session.logout).toHaveBeenCalledWith('idle');
    // Closed by the watcher without an answer: it neither renews nor signs out a second time.
    expect(closed).toHaveBeenCalledWith(undefined);
    expect(t.session.extend).not.toHaveBeenCalled();
    t.stop();
  });

  it('signs out once while the gateway is slow to answer the sign-out', async () => {
    const t = setup();
    t.session.logout.mockImplementation(() => new Promise<undefined>(() => undefined));
    await pass(IDLE_SECONDS + 5);
    expect(t.session.logout).toHaveBeenCalledTimes(1);
    expect(t.session.logout).toHaveBeenCalledWith('idle');
    t.stop();
  });

  it('renews quietly when the person types, and not while a warning is shown', async () => {
    const t = setup();
    await pass(70);
    document.dispatchEvent(new KeyboardEvent('keydown'));
    expect(t.session.extend).toHaveBeenCalledTimes(1);
    t.finishRenewal();
    await pass(IDLE_SECONDS - 59);
    expect(t.dialogs).toHaveLength(1);
    document.dispatchEvent(new KeyboardEvent('keydown'));
    expect(t.session.extend).toHaveBeenCalledTimes(1);
    t.stop();
  });
});
