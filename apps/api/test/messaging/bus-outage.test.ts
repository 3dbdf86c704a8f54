import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../../scripts/services/free-port.js';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import type { PlatformLog } from '../../src/platform/platform.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { closedWithin, connectWs, type WsClient } from '../helpers/ws-client.js';

/** The platform's log lines of one instance (the Redis bus reports its health there). */
function logSink() {
  const lines: { level: 'info' | 'warn' | 'error'; msg: string; obj: object }[] = [];
  const log: PlatformLog = {
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
  const count = (level: string, pattern: RegExp) =>
    lines.filter((line) => line.level === level && pattern.test(line.msg)).length;
  return {
    lines,
    log,
    count,
    /** Waits until the bus has logged `pattern` at `level` more than `after` times. */
    waitFor: (level: 'info' | 'warn', pattern: RegExp, after = 0) =>
      vi.waitFor(() => expect(count(level, pattern)).toBeGreaterThan(after), {
        timeout: 15_000,
        interval: 25,
      }),
  };
}

const DEGRADED = /^event bus degraded/;
const RECOVERED = /^event bus (recovered|delivering through Redis)/;
const PUBLISH_FAILED = /^publish failed/;

describe('the sessions channel when Redis misbehaves (two instances, one MariaDB, one Redis)', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  const apps: FastifyInstance[] = [];
  const redises: RedisServer[] = [];
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url } });
  });
  afterEach(async () => {
    for (const client of open.splice(0)) client.close();
    for (const redis of redises) redis.resume();
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(redises.splice(0).map((redis) => redis.stop()));
  });
  afterAll(async () => {
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function instance(
    redisUrl: string,
    heartbeatMs: number,
    log?: PlatformLog,
  ): Promise<FastifyInstance> {
    const app = await buildTestApp(testDb, {
      config: { redisUrl, wsHeartbeatMs: heartbeatMs, busProbeMs: 100 },
      ...(log ? { platformLog: log } : {}),
    });
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app;
  }

  async function socketOf(app: FastifyInstance, cookie: string): Promise<WsClient> {
    const client = await connectWs(app, { cookie });
    open.push(client);
    await client.next('ready');
    return client;
  }

  it('an instance started before Redis was reachable still hears every session end once Redis is up', async () => {
    // The reported bug: the subscriber's SUBSCRIBE gave up while Redis was unreachable at boot, so this
    // instance never heard the sessions channel and its sockets stayed open until their heartbeat.
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const sinkTwo = logSink();
    const two = await instance(url, 120_000, sinkTwo.log);
    await sinkTwo.waitFor('warn', DEGRADED);
    expect(sinkTwo.lines.find((line) => DEGRADED.test(line.msg))?.obj).toMatchObject({
      reason: expect.any(String),
    });
    // More failed connection attempts than a command's retry budget (maxRetriesPerRequest: 2).
    await sinkTwo.waitFor('warn', /^redis subscriber problem/, 4);
    redises.push(await startRedis({ port }));
    await sinkTwo.waitFor('info', RECOVERED);
    const one = await instance(url, 120_000);

    const victim = await signUp(one, smtp);
    const socket = await socketOf(two, victim.session.cookie);
    expect((await call(one, 'POST', '/api/auth/logout', { session: victim.session })).statusCode).toBe(204);
    expect(await closedWithin(socket, 1_000)).toEqual({ code: 4001, reason: 'session revoked' });
  });

  it('with Redis frozen, the heartbeat closes the socket of an ended session, and the instance says it is degraded', async () => {
    const redis = await startRedis();
    redises.push(redis);
    const sinkTwo = logSink();
    const one = await instance(redis.url, 120_000);
    const two = await instance(redis.url, 200, sinkTwo.log);
    await sinkTwo.waitFor('info', RECOVERED);
    const victim = await signUp(one, smtp);
    const socket = await socketOf(two, victim.session.cookie);

    redis.pause();
    await sinkTwo.waitFor('warn', DEGRADED);
    // The end is stored; its announcement waits in a Redis that answers nothing.
    expect((await call(one, 'POST', '/api/auth/logout', { session: victim.session })).statusCode).toBe(204);
    expect(await socket.closed).toEqual({ code: 4001, reason: 'session revoked' });
    expect(socket.frames.map((f) => f.type)).toEqual(['ready', 'session_revoked']);

    const recoveries = sinkTwo.count('info', RECOVERED);
    redis.resume();
    await sinkTwo.waitFor('info', RECOVERED, recoveries);
  });

  it('after Redis restarts, sockets whose end was announced during the outage are re-checked at once', async () => {
    const port = await freePort();
    const first = await startRedis({ port });
    const url = first.url;
    const sinkOne = logSink();
    const sinkTwo = logSink();
    const one = await instance(url, 120_000, sinkOne.log);
    const two = await instance(url, 120_000, sinkTwo.log);
    await sinkTwo.waitFor('info', RECOVERED);
    const victim = await signUp(one, smtp);
    const bystander = await signUp(one, smtp);
    const socket = await socketOf(two, victim.session.cookie);
    const unaffected = await socketOf(two, bystander.session.cookie);

    await first.stop();
    await sinkTwo.waitFor('warn', DEGRADED);
    // Redis is gone: the announcement is lost (the publish fails), the session is revoked in the database.
    const failedPublishes = sinkOne.count('warn', PUBLISH_FAILED);
    expect((await call(one, 'POST', '/api/auth/logout', { session: victim.session })).statusCode).toBe(204);
    await sinkOne.waitFor('warn', PUBLISH_FAILED, failedPublishes);
    // Once the announcement is known lost, nothing else can close the socket before the recovery below.
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    const recoveries = sinkTwo.count('info', RECOVERED);
    redises.push(await startRedis({ port }));
    await sinkTwo.waitFor('info', RECOVERED, recoveries);
    // Heartbeats are two minutes apart: only the re-check on recovery can close it now.
    expect(await closedWithin(socket, 5_000)).toEqual({ code: 4001, reason: 'session revoked' });
    expect(unaffected.socket.readyState).toBe(unaffected.socket.OPEN);
  });
});
