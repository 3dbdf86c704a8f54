import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { loadConfig } from '../../src/config.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, send } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

/** One sample of the text exposition: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match?.[1] || !match[3]) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      if (pair[1]) labels[pair[1]] = pair[2] ?? '';
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** The metric names infra/ turns into CloudWatch metrics (ADR 0013): the API must export every one. */
function namesInfraExpects(): string[] {
  const source = readFileSync(new URL('../../../../infra/lib/app-metrics.ts', import.meta.url), 'utf8');
  const block = source.slice(source.indexOf('export const APP_METRIC = {'));
  return [...block.slice(0, block.indexOf('} as const')).matchAll(/:\s*'([a-z_]+)'/g)].map(
    (m) => m[1] as string,
  );
}

describe.each(DB_KINDS)('Prometheus metrics on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let metricsPort: number;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    metricsPort = await freePort();
    testDb = await createTestDatabase(kind, {
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'http://parley.test:8080',
        METRICS_PORT: String(metricsPort),
        LIMIT_LOOKUPS: '2/3600s',
      },
    });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await response.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);

  it('are not served on the public port', async () => {
    const port = (app.server.address() as { port: number }).port;
    for (const path of ['/metrics', '/api/metrics']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('# TYPE');
    }
  });

  it('listen on METRICS_HOST (loopback by default) and answer nothing but GET /metrics', async () => {
    expect(app.config.metrics).toEqual({ port: metricsPort, host: '127.0.0.1' });
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/health/live`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('export every name infra/ selects for CloudWatch, with the types the agent keeps', async () => {
    const { types } = await scrape();
    const expected = namesInfraExpects();
    expect(expected).toContain('parley_message_ack_seconds_summary');
    for (const name of expected) {
      expect(types.has(name), `${name} is not exported`).toBe(true);
    }
    expect(types.get('parley_message_ack_seconds_summary')).toBe('summary');
    expect(types.get('parley_message_ack_seconds')).toBe('histogram');
    expect(types.get('parley_ws_connections')).toBe('gauge');
    expect(types.get('parley_rate_limited_total')).toBe('counter');
    // Default process metrics, event-loop delay among them.
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(types.has(name), name).toBe(true);
  });

  it('count requests, messages, sockets, fan-out, emails and refusals as they happen', async () => {
    const ada = await signUp(app, smtp);
    const bob = await signUp(app, smtp);
    const conversation = await createDirect(app, ada.session, bob.userId);
    const bobSocket = await connectWs(app, { cookie: bob.session.cookie });
    await bobSocket.next('ready');

    const before = (await scrape()).samples;
    expect(value(before, 'parley_ws_connections')).toBe(1);

    const sent = 5;
    await Promise.all(
      Array.from({ length: sent }, (_, i) =>
        send(app, ada.session, conversation.id, `hello ${i}`, randomUUID()),
      ),
    );
    for (let i = 0; i < sent; i += 1) await bobSocket.next('message');
    // Two lookups are allowed per hour here; the third is refused.
    for (let i = 0; i < 3; i += 1)
      await call(app, 'GET', `/api/users/lookup?email=${encodeURIComponent(bob.email)}`, {
        session: ada.session,
      });

    const after = (await scrape()).samples;
    expect(value(after, 'parley_messages_acked_total') - value(before, 'parley_messages_acked_total')).toBe(
      sent,
    );
    expect(
      value(after, 'parley_message_ack_seconds_count') - value(before, 'parley_message_ack_seconds_count'),
    ).toBe(sent);
    expect(
      value(after, 'parley_message_ack_seconds_summary_count') -
        value(before, 'parley_message_ack_seconds_summary_count'),
    ).toBe(sent);
    const p99 = after.find(
      (s) => s.name === 'parley_message_ack_seconds_summary' && s.labels.quantile === '0.99',
    );
    expect(p99?.value).toBeGreaterThan(0);
    // Every send was in some batch: the batches' sizes add up to at least the sends.
    expect(
      value(after, 'parley_message_batch_size_sum') - value(before, 'parley_message_batch_size_sum'),
    ).toBeGreaterThanOrEqual(sent);
    // Bob's socket got each message through the bus.
    expect(
      value(after, 'parley_fanout_seconds_count') - value(before, 'parley_fanout_seconds_count'),
    ).toBeGreaterThanOrEqual(sent);
    expect(value(after, 'parley_rate_limited_total', { limit: 'lookups' })).toBe(1);
    expect(value(after, 'parley_emails_total', { kind: 'verify_email', result: 'sent' })).toBe(2);
    const posts = {
      route: '/api/conversations/:id/messages',
      method: 'POST',
      status_class: '2xx',
    };
    expect(value(after, 'http_request_duration_seconds_count', posts)).toBe(sent);
    expect(
      value(after, 'http_request_duration_seconds_count', {
        route: '/api/users/lookup',
        status_class: '4xx',
      }),
    ).toBe(1);
    // Unknown paths share one series instead of one per path.
    await fetch(
      `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/no-such-${randomUUID()}`,
    );
    const unmatched = (await scrape()).samples.filter(
      (s) => s.name === 'http_request_duration_seconds_count' && s.labels.status_class === '4xx',
    );
    expect(unmatched.map((s) => s.labels.route)).toContain('unmatched');
    expect(unmatched.every((s) => !s.labels.route?.includes('no-such'))).toBe(true);

    // A socket flooding frames past LIMIT_WS_FRAMES (30 per second) is refused per frame.
    for (let i = 0; i < 40; i += 1) bobSocket.send({ type: 'ping' });
    await bobSocket.next('error', (frame) => frame.error.code === 'rate_limited');
    expect(
      value((await scrape()).samples, 'parley_rate_limited_total', { limit: 'wsFrames' }),
    ).toBeGreaterThan(0);

    bobSocket.close();
    await bobSocket.closed;
    await vi.waitFor(async () => expect(value((await scrape()).samples, 'parley_ws_connections')).toBe(0));
  });

  it(`reports the database pool ${kind === 'mariadb' ? 'of mysql2' : 'as nothing (SQLite has none)'}`, async () => {
    const { samples, types } = await scrape();
    if (kind === 'sqlite') {
      expect([...types.keys()].filter((name) => name.startsWith('parley_db_pool_'))).toEqual([]);
      return;
    }
    expect(types.get('parley_db_pool_used_connections')).toBe('gauge');
    expect(value(samples, 'parley_db_pool_max_connections')).toBe(10);
    const open =
      value(samples, 'parley_db_pool_free_connections') + value(samples, 'parley_db_pool_used_connections');
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(10);
    expect(value(samples, 'parley_db_pool_queued_requests')).toBe(0);
  });
});

describe('metrics configuration', () => {
  it('refuses METRICS_PORT equal to PORT: metrics never share the public port', () => {
    expect(() => loadConfig({ PORT: '9464', METRICS_PORT: '9464' })).toThrow(
      /METRICS_PORT: must differ from PORT/,
    );
  });

  it('serves nothing when METRICS_PORT is unset', async () => {
    const testDb = await createTestDatabase('sqlite');
    const app = await buildTestApp(testDb);
    try {
      expect(app.config.metrics.port).toBeUndefined();
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      // Still counted (cheaply) for nobody: recording never depends on the listener.
      expect(await platformOf(app).metrics.text()).toContain(
        'http_request_duration_seconds_count{route="unmatched"',
      );
    } finally {
      await app.close();
      await testDb.cleanup();
    }
  });
});
