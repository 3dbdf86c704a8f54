import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, uniqueEmail } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

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

describe.each(DB_KINDS)('sign-in limits count failures only (%s)', (kind) => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let withRedis: TestDatabase;
  let single: FastifyInstance;
  let shared: [FastifyInstance, FastifyInstance];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    // Per address: 15 sign-ins, so the per-account-and-address limit (10) is the one met first below.
    const env = { SMTP_URL: smtp.url, TRUST_PROXY: 'true', LIMIT_LOGIN_IP: '15/900s' };
    testDb = await createTestDatabase(kind, { env });
    single = await buildTestApp(testDb);
    withRedis = await createTestDatabase(kind, { env: { ...env, REDIS_URL: redis.url } });
    shared = [await buildTestApp(withRedis), await buildTestApp(withRedis)];
  });
  afterAll(async () => {
    await single?.close();
    for (const app of shared ?? []) await app.close();
    await testDb?.cleanup();
    await withRedis?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  const signInAs = (app: FastifyInstance, email: string, password: string, ip: string) =>
    call(app, 'POST', '/api/auth/login', { body: { email, password }, headers: from(ip) });

  it.each([
    ['one instance (in-process limiter)', () => [single, single] as const],
    ['two instances sharing Redis', () => shared],
  ])('%s: 25 sign-ins in a row all succeed; failures are still limited to 10', async (_name, apps) => {
    const [a, b] = apps();
    const user = await signUp(a, smtp);
    const ip = a === b ? '198.51.100.31' : '198.51.100.32';
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      statuses.push((await signInAs(i % 2 ? b : a, user.email, user.password, ip)).statusCode);
    }
    expect(statuses).toEqual(Array(25).fill(200));

    // Failures count: 10 per account and address, whatever came before.
    const failures: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      failures.push((await signInAs(i % 2 ? b : a, user.email, 'wrong-password-z', ip)).statusCode);
    }
    expect(failures).toEqual([...Array(10).fill(401), 429]);
    // Over the limit even the right password waits: the limit is checked before the password.
    expect((await signInAs(a, user.email, user.password, ip)).statusCode).toBe(429);
  });

  it('successful sign-ins to many accounts from one address do not use up its allowance', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => signUp(single, smtp)));
    const ip = '192.0.2.31';
    const statuses: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      for (const user of users)
        statuses.push((await signInAs(single, user.email, user.password, ip)).statusCode);
    }
    expect(statuses).toEqual(Array(20).fill(200));
    // 15 failures per address, across accounts: the 16th attempt is refused.
    const failures: number[] = [];
    for (let i = 0; i < 16; i += 1) {
      const user = users[i % users.length];
      failures.push((await signInAs(single, user?.email ?? '', 'wrong-password-w', ip)).statusCode);
    }
    expect(failures).toEqual([...Array(15).fill(401), 429]);
  });

  it('passkey options spend the address allowance on every call; passkey sign-ins only when they fail', async () => {
    const ip = '192.0.2.77';
    const options = () => call(single, 'POST', '/api/auth/passkey/options', { headers: from(ip) });
    const statuses: number[] = [];
    for (let i = 0; i < 16; i += 1) statuses.push((await options()).statusCode);
    expect(statuses).toEqual([...Array(15).fill(200), 429]);
    const refused = await options();
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Failed passkey sign-ins (here: over a challenge nobody issued) count against the same allowance.
    const other = '192.0.2.78';
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'bm9uZQ' })).toString(
      'base64url',
    );
    const assertion = {
      id: 'abc',
      rawId: 'abc',
      type: 'public-key',
      response: { clientDataJSON: clientData, authenticatorData: 'AA', signature: 'AA' },
    };
    const failures: number[] = [];
    for (let i = 0; i < 16; i += 1) {
      failures.push(
        (await call(single, 'POST', '/api/auth/passkey', { body: { assertion }, headers: from(other) }))
          .statusCode,
      );
    }
    expect(failures).toEqual([...Array(15).fill(400), 429]);
  });
});
