import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, uniqueEmail } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** Each request from its own address, as if from many clients behind the load balancer. */
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('auth rate limits', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let single: FastifyInstance;
  let shared: [FastifyInstance, FastifyInstance];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true' } });
    single = await buildTestApp(testDb);
    const withRedis = await createTestDatabase('mariadb', {
      env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true', REDIS_URL: redis.url },
    });
    shared = [await buildTestApp(withRedis), await buildTestApp(withRedis)];
  });
  afterAll(async () => {
    await single?.close();
    for (const app of shared ?? []) await app.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  it('login: 10 per account and IP in 15 minutes, then 429 with Retry-After', async () => {
    const email = uniqueEmail('brute');
    const attempt = (ip: string) =>
      call(single, 'POST', '/api/auth/login', {
        body: { email, password: 'wrong-password-x' },
        headers: from(ip),
      });
    for (let i = 0; i < 10; i += 1) expect((await attempt('198.51.100.1')).statusCode).toBe(401);
    const limited = await attempt('198.51.100.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Another address is not affected by this address's attempts.
    expect((await attempt('198.51.100.2')).statusCode).toBe(401);
  });

  it('forgot-password: 5 per email in an hour, counted across addresses', async () => {
    const email = uniqueEmail('flood');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (
          await call(single, 'POST', '/api/auth/forgot-password', {
            body: { email },
            headers: from(`203.0.113.${i}`),
          })
        ).statusCode,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('register: 10 per IP in an hour', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const body = { email: uniqueEmail('reg'), password: 'a-fine-password-1', displayName: 'R' };
      statuses.push(
        (await call(single, 'POST', '/api/auth/register', { body, headers: from('192.0.2.77') })).statusCode,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('password re-checks (change password, delete account): 10 per user in 15 minutes', async () => {
    const user = await signUp(single, smtp);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (
          await call(single, 'POST', '/api/auth/change-password', {
            session: user.session,
            body: { currentPassword: `guess-${i}`, newPassword: 'whatever-new-pass' },
          })
        ).statusCode,
      );
      statuses.push(
        (await call(single, 'DELETE', '/api/me', { session: user.session, body: { password: `guess-${i}` } }))
          .statusCode,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('two instances sharing Redis share one limit', async () => {
    const email = uniqueEmail('shared');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const app = shared[i % 2] as FastifyInstance;
      statuses.push(
        (
          await call(app, 'POST', '/api/auth/login', {
            body: { email, password: 'wrong-password-y' },
            headers: from('198.51.100.9'),
          })
        ).statusCode,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('a validation failure does not count against the limit', async () => {
    for (let i = 0; i < 15; i += 1) {
      const response = await call(single, 'POST', '/api/auth/verify-email', {
        body: { token: '' },
        headers: from('192.0.2.200'),
      });
      expect(response.statusCode).toBe(400);
    }
  });
});
