import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface MetricsServerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MetricsServer {
  /** Where it listens (the port is the chosen one when 0 was asked for). */
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * The Prometheus listener: `GET /metrics` (text exposition format) on its own host and port, apart from
 * the public server, so nothing reachable through the load balancer exposes it. Anything else is 404.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  host: string;
  port: number;
  log: MetricsServerLog;
}): Promise<MetricsServer> {
  const { metrics, log } = options;
  const server: Server = createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0];
    if (pathname !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    metrics.text().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        log.error({ err: error }, 'metrics collection failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Collection failed\n');
      },
    );
  });
  // A scraper keeps its connection open between scrapes; closing must not wait for it.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  log.info({ host: address.address, port: address.port }, 'metrics listening');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
