import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { MetricsConfig } from '../config.js';
import type { Metrics, PoolStats } from '../platform/metrics/metrics.js';
import { type MetricsServer, startMetricsServer } from '../platform/metrics/metrics-server.js';

export interface MetricsPluginOptions {
  metrics: Metrics;
  listener: MetricsConfig;
  /** The database pool's numbers, read at each scrape; none without a pool (SQLite). */
  poolStats?: (() => PoolStats | undefined) | undefined;
}

/** Route label of requests no route matched (404s, scans): one series, whatever the paths. */
const UNMATCHED = 'unmatched';

/**
 * Times every HTTP request by route pattern and serves the metrics on their own listener
 * (METRICS_HOST:METRICS_PORT) once the app is ready; never on the public server.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsPluginOptions) => {
    const { metrics } = options;
    if (options.poolStats) metrics.watchDatabasePool(options.poolStats);
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpRequest(
        request.routeOptions.url ?? UNMATCHED,
        request.method,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });

    const { port, host } = options.listener;
    if (port === undefined) return;
    let server: MetricsServer | undefined;
    // On ready, before the public port opens: a metrics port that cannot be bound fails the start loudly.
    app.addHook('onReady', async () => {
      server = await startMetricsServer({
        metrics,
        host,
        port,
        log: app.log.child({ component: 'metrics' }),
      });
    });
    app.addHook('onClose', async () => {
      await server?.close();
    });
  },
  { name: 'parley-metrics' },
);
