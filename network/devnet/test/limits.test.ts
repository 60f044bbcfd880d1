import { status } from '@grpc/grpc-js';
import { limitService, Semaphore } from '../src/peer/limits';

describe('peer concurrency limits', () => {
  it('refuses a call past the limit with Fabric’s message, and frees the slot when a call ends', async () => {
    let finish: (() => void) | undefined;
    const handlers = limitService(
      '/gateway.Gateway',
      {
        evaluate: (_call: unknown, callback: (err: unknown, res?: unknown) => void) => {
          finish = () => callback(null, 'done');
        },
      } as never,
      new Semaphore(1),
    );
    const call = (): Promise<{ err: unknown; res?: unknown }> =>
      new Promise((resolve) =>
        (handlers.evaluate as (c: unknown, cb: (err: unknown, res?: unknown) => void) => void)(
          {},
          (err, res) => resolve({ err, res }),
        ),
      );
    const first = call();
    const refused = await call();
    expect(refused.err).toEqual({
      code: status.UNKNOWN,
      details: 'too many requests for /gateway.Gateway, exceeding concurrency limit (1)',
    });
    finish!();
    expect((await first).res).toBe('done');
    const again = call();
    finish!();
    expect((await again).res).toBe('done');
  });
});
