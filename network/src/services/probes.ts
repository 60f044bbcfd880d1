// Small health probes used by service definitions. Each answers true only when the service really
// answered, and never throws.
import { connect } from 'node:net';

/** True when something accepts a TCP connection on host:port within the timeout. */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when an HTTP request to url answers with a status accepted by `ok` (default 2xx). */
export async function httpOk(
  url: string,
  init: RequestInit = {},
  ok: (status: number) => boolean = (s) => s >= 200 && s < 300,
  timeoutMs = 2000,
): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return ok(res.status);
  } catch {
    return false;
  }
}
