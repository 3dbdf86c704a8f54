import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../../../../scripts/services/mariadb.js';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, GOOD_PASSWORD, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDirect } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

/**
 * A database failover, seen from one instance (docs/adr/0012): the process stays live, readiness says
 * which dependency is gone, every API call that needs the database answers 503 `service_unavailable`
 * with Retry-After at once (never a 500, never a hang), and everything works again without a restart.
 */
describe('readiness and API calls follow the database and Redis through an outage', () => {
  let server: MariaDbServer;
  let redis: RedisServer;
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: { email: string; session: Session; userId: string };
  let conversationId: string;

  beforeAll(async () => {
    [server, redis, smtp] = await Promise.all([startMariaDb(), startRedis(), startSmtpCapture()]);
    testDb = await createTestDatabase('mariadb', {
      adminUrl: server.adminUrl,
      env: { REDIS_URL: redis.url, SMTP_URL: smtp.url, PUBLIC_URL: 'http://parley.test:8080' },
    });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    ada = await signUp(app, smtp);
    const bob = await signUp(app, smtp);
    conversationId = (await createDirect(app, ada.session, bob.userId)).id;
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await Promise.all([server?.stop(), redis?.stop(), smtp?.stop()]);
  });

  const ready = () => app.inject({ method: 'GET', url: '/api/health/ready' });
  const live = () => app.inject({ method: 'GET', url: '/api/health/live' });
  /** Calls that each need the database: a session lookup, a login, a message write, a history read. */
  const databaseCalls = () => [
    call(app, 'GET', '/api/me', { session: ada.session }),
    call(app, 'POST', '/api/auth/login', { body: { email: ada.email, password: GOOD_PASSWORD } }),
    call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'during the failover' },
    }),
    call(app, 'GET', `/api/conversations/${conversationId}/messages`, { session: ada.session }),
  ];

  it('503 with Retry-After on database calls and in readiness while MariaDB is down, then 200 again without a restart', async () => {
    const before = await ready();
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });

    const socket = await connectWs(app, { cookie: ada.session.cookie });
    await socket.next('ready');

    await server.kill();
    const down = await ready();
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toEqual({
      error: {
        code: 'service_unavailable',
        message: 'Database is not reachable',
        details: { checks: { database: 'unreachable', redis: 'ok' } },
      },
    });
    expect((await live()).statusCode).toBe(200);

    for (const response of await Promise.all(databaseCalls())) {
      expect(response.statusCode, `${response.body}`).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json().error.code).toBe('service_unavailable');
      // The client learns nothing about the infrastructure.
      expect(response.body).not.toMatch(/ECONNREFUSED|mysql|mariadb|127\.0\.0\.1/i);
    }

    // A WebSocket send is refused the same way, naming its clientId so the client retries it later.
    const clientId = randomUUID();
    socket.send({ type: 'send', conversationId, clientId, body: 'over the socket' });
    const refused = await socket.next('error', (frame) => frame.clientId === clientId);
    expect(refused.error).toEqual({
      code: 'service_unavailable',
      message: 'The service is temporarily unavailable; try again shortly',
      details: { retryAfter: 5 },
    });
    socket.close();

    await server.start();
    // The pool drops its dead connections and opens new ones on demand.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
      status = (await ready()).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    const after = await Promise.all(databaseCalls());
    expect(after.map((response) => response.statusCode)).toEqual([200, 200, 201, 200]);
    // The send refused during the outage stored nothing: the one after it is the only message.
    const history = await call(app, 'GET', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
    });
    expect(history.json().messages.map((m: { seq: number }) => m.seq)).toEqual([1]);
  });

  it('readiness names Redis when it hangs, while liveness and database calls carry on', async () => {
    redis.pause();
    try {
      const down = await ready();
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toEqual({
        code: 'service_unavailable',
        message: 'Redis is not reachable',
        details: { checks: { database: 'ok', redis: 'unreachable' } },
      });
      expect((await live()).statusCode).toBe(200);
      // Rate limits fail open on a hung Redis: the API answers, a little later.
      expect((await call(app, 'GET', '/api/me', { session: ada.session })).statusCode).toBe(200);
    } finally {
      redis.resume();
    }
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
      status = (await ready()).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
  });
});
