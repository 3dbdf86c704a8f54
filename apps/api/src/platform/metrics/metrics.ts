import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { PoolStats } from '../../db/pool-stats.js';

export type { PoolStats };

export type EmailResult = 'sent' | 'failed';

/** What the message writer records: the size of each transaction's batch and each send's ack time. */
export interface WriterMetrics {
  messageBatch(size: number): void;
  messageAcked(seconds: number): void;
}

/** What an event bus records: the time to hand one event to this instance's subscribers. */
export interface FanoutMetrics {
  fanout(seconds: number): void;
}

/** A limit refused a request or frame; `limit` is its `LIMIT_*` rate name or socket cap. */
export interface LimitMetrics {
  rateLimited(limit: string): void;
}

/** What the WebSocket gateway gives: a count of its open sockets, read at each scrape. */
export interface SocketMetrics {
  countWebSockets(count: () => number): void;
}

/** What the mail queue records per email. */
export interface MailMetrics {
  email(kind: string, result: EmailResult): void;
}

export interface MetricsOptions {
  /**
   * Process metrics (CPU, memory, GC, event-loop delay, handles) with prom-client's collectors. They
   * watch the whole process (GC observers, an event-loop delay monitor that is never stopped), so only the
   * app that serves them turns them on: one per process in production, none in most tests.
   */
  readonly processMetrics: boolean;
}

const SECONDS_FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SECONDS_HTTP = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_FANOUT = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Sends per write transaction: one to the writer's largest batch (IN_CHUNK, 500). */
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 500];

/** `200` → `2xx`: few label values whatever the app answers. */
export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

/**
 * Every Prometheus series of one app, in a registry of its own (tests build several apps in one process,
 * so nothing is registered globally). Built once by the platform and handed to what records: the
 * message writer, the event bus, the realtime gateway, the rate-limit plugin, the mail queue, the HTTP
 * hooks. Names are what infra/lib/app-metrics.ts exports to CloudWatch; docs/operations.md lists them.
 */
export class Metrics implements WriterMetrics, FanoutMetrics, LimitMetrics, MailMetrics, SocketMetrics {
  readonly registry = new Registry();
  #webSockets: (() => number) | undefined;

  readonly #http = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status class, from arrival to the last byte sent',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: SECONDS_HTTP,
    registers: [this.registry],
  });
  readonly #acked = new Counter({
    name: 'parley_messages_acked_total',
    help: 'Messages acknowledged to their sender after their transaction committed (durable)',
    registers: [this.registry],
  });
  readonly #ackSeconds = new Histogram({
    name: 'parley_message_ack_seconds',
    help: 'Time from a send reaching the message writer to its durable acknowledgement',
    buckets: SECONDS_FAST,
    registers: [this.registry],
  });
  /** The same latency as a summary: the CloudWatch agent drops histograms (docs/adr/0013). */
  readonly #ackSummary = new Summary({
    name: 'parley_message_ack_seconds_summary',
    help: 'Time from a send reaching the message writer to its durable acknowledgement, quantiles over the last 5 minutes',
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 300,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly #batch = new Histogram({
    name: 'parley_message_batch_size',
    help: 'Sends written per message transaction (concurrent sends share one commit)',
    buckets: BATCH_SIZES,
    registers: [this.registry],
  });
  readonly #fanout = new Histogram({
    name: 'parley_fanout_seconds',
    help: 'Time from a bus event reaching this instance (published here, or arriving from Redis) until every local subscriber handled it',
    buckets: SECONDS_FANOUT,
    registers: [this.registry],
  });
  readonly #rateLimited = new Counter({
    name: 'parley_rate_limited_total',
    help: 'Requests, frames and sockets refused by a limit, by LIMIT_* rate name or socket cap',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly #emails = new Counter({
    name: 'parley_emails_total',
    help: 'Emails handed to the mailer (SMTP or the dev outbox), by kind and result',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions) {
    const metrics = this;
    new Gauge({
      name: 'parley_ws_connections',
      help: 'WebSockets open on this instance',
      registers: [this.registry],
      collect() {
        this.set(metrics.#webSockets?.() ?? 0);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.#http.observe({ route, method, status_class: statusClass(status) }, seconds);
  }

  messageBatch(size: number): void {
    this.#batch.observe(size);
  }

  messageAcked(seconds: number): void {
    this.#acked.inc();
    this.#ackSeconds.observe(seconds);
    this.#ackSummary.observe(seconds);
  }

  fanout(seconds: number): void {
    this.#fanout.observe(seconds);
  }

  rateLimited(limit: string): void {
    this.#rateLimited.inc({ limit });
  }

  email(kind: string, result: EmailResult): void {
    this.#emails.inc({ kind, result });
  }

  /** Where `parley_ws_connections` reads the number of open sockets when scraped. */
  countWebSockets(count: () => number): void {
    this.#webSockets = count;
  }

  /** Adds the `parley_db_pool_*` gauges, read from `stats` at each scrape (once; MySQL only). */
  watchDatabasePool(stats: () => PoolStats | undefined): void {
    const gauge = (name: string, help: string, pick: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const current = stats();
          if (current) this.set(pick(current));
        },
      });
    gauge('parley_db_pool_free_connections', 'Open database connections idle in the pool', (s) => s.free);
    gauge('parley_db_pool_used_connections', 'Database connections lent out to queries', (s) => s.used);
    gauge(
      'parley_db_pool_queued_requests',
      'Requests waiting for a database connection (every allowed one is in use)',
      (s) => s.queued,
    );
    gauge('parley_db_pool_max_connections', 'Most connections the database pool opens', (s) => s.max);
  }
}

/** Seconds since `start`, a `performance.now()` reading. */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;
