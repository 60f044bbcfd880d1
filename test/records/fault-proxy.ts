// A real network fault in front of a real service: an HTTP proxy on a free local port that passes
// every request through to the service, except those `refuse` picks, which get 503 as an
// overloaded or failing service would answer. The service itself is untouched.
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  port: number;
  /** The requests refused so far (method and path). */
  refused: string[];
  close(): Promise<void>;
}

export async function faultProxy(
  targetPort: number,
  refuse: (req: IncomingMessage) => boolean,
): Promise<FaultProxy> {
  const refused: string[] = [];
  const server = createServer((req, res) => {
    if (refuse(req)) {
      refused.push(`${req.method} ${req.url}`);
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"message":"fault injected by the test"}');
      return;
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
