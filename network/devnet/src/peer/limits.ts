// Per-service concurrency limits as the peer's gRPC interceptors apply them
// (internal/peer/node/grpc_limiters.go, core.yaml peer.limits.concurrency): past the limit a
// call fails at once with Fabric's plain error (gRPC code Unknown).
import { status, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface ConcurrencyLimits {
  /** protos.Endorser (default 2500). */
  endorser: number;
  /** protos.Deliver (default 2500). */
  deliver: number;
  /** gateway.Gateway (default 500). */
  gateway: number;
}

export const FABRIC_DEFAULT_LIMITS: ConcurrencyLimits = {
  endorser: 2500,
  deliver: 2500,
  gateway: 500,
};

export class Semaphore {
  active = 0;
  constructor(readonly limit: number) {}
  tryAcquire(): boolean {
    if (this.limit > 0 && this.active >= this.limit) return false;
    this.active++;
    return true;
  }
  release(): void {
    this.active--;
  }
}

type AnyHandler = (...args: never[]) => unknown;

/** Wraps every handler of a service so at most `limit` calls of the service run at once. */
export function limitService(
  serviceName: string,
  handlers: UntypedServiceImplementation,
  sema: Semaphore,
): UntypedServiceImplementation {
  const refusal = (): Partial<ServiceError> => ({
    code: status.UNKNOWN,
    details: `too many requests for ${serviceName}, exceeding concurrency limit (${sema.limit})`,
  });
  const out: UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const h = handler as AnyHandler;
    if (h.length >= 2) {
      // unary or client-streaming: (call, callback)
      out[method] = ((call: unknown, callback: (err: unknown, res?: unknown) => void) => {
        if (!sema.tryAcquire()) return callback(refusal());
        let released = false;
        (h as (c: unknown, cb: unknown) => void)(call, (err: unknown, res?: unknown) => {
          if (!released) {
            released = true;
            sema.release();
          }
          callback(err, res);
        });
      }) as never;
    } else {
      // server-streaming or bidi: (call)
      out[method] = ((
        call: NodeJS.EventEmitter & {
          destroy(e: Error): void;
          emit(e: string, v: unknown): boolean;
        },
      ) => {
        if (!sema.tryAcquire()) {
          const e = Object.assign(new Error(refusal().details), refusal());
          call.destroy(e);
          return;
        }
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          sema.release();
        };
        call.once('finish', release);
        call.once('cancelled', release);
        call.once('error', release);
        call.once('close', release);
        (h as (c: unknown) => void)(call);
      }) as never;
    }
  }
  return out;
}
