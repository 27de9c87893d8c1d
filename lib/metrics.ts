// The /metrics endpoints: a small HTTP server of its own per process, apart from the API's port, so
// that what monitoring reads is never reachable through the API's public address or its tokens.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { log } from './log.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` at GET /metrics on `host:port`. A port already taken (a second process on the
 * same machine) is logged and the process runs on without metrics: monitoring never stops case work.
 */
export function serveMetrics(
  registry: Registry,
  options: { port: number; host: string; variable: string },
): Promise<MetricsServer | undefined> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('use GET\n');
      return;
    }
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) =>
        res
          .writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' })
          .end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => {
        log.warn('metrics collection failed', { error: (err as Error).message });
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warn(`metrics endpoint not started: ${options.variable} ${options.port} is unavailable`, { error: err.code ?? err.message });
      resolve(undefined);
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
      resolve({
        url: `http://${shown}:${port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
