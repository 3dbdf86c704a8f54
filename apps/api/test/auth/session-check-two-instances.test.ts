import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, login, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

type SignedUp = Awaited<ReturnType<typeof signUp>>;

/**
 * The production shape: two instances, one MariaDB, one Redis. Instance B has answered the user many
 * times (its token cache is warm) when the change happens on instance A; B must refuse, or show the
 * change, on the very next request — and must not depend on the bus to do so (ADR 0014).
 */
describe('session checks across two instances (one MariaDB, one Redis)', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let a: FastifyInstance;
  let b: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url } });
    a = await buildTestApp(testDb, { config: { redisUrl: redis.url, busProbeMs: 100 } });
    b = await buildTestApp(testDb, { config: { redisUrl: redis.url, busProbeMs: 100 } });
    await vi.waitFor(() => expect(platformOf(a).bus.healthy && platformOf(b).bus.healthy).toBe(true), {
      timeout: 15_000,
    });
  });
  afterAll(async () => {
    redis?.resume();
    await a?.close();
    await b?.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  const me = (app: FastifyInstance, session: Session, via: 'cookie' | 'bearer' = 'cookie') =>
    call(app, 'GET', '/api/me', { session, via });

  /** B answers the session several times; only the first checks the signature. */
  async function warmOnB(session: Session): Promise<void> {
    const verify = vi.spyOn(platformOf(b).tokens, 'verify');
    try {
      for (let i = 0; i < 5; i += 1) expect((await me(b, session)).statusCode).toBe(200);
      expect(verify.mock.calls.length).toBeLessThanOrEqual(1);
      verify.mockClear();
      expect((await me(b, session)).statusCode).toBe(200);
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
  }

  it.each([
    ['a logout', (user: SignedUp) => call(a, 'POST', '/api/auth/logout', { session: user.session })],
    [
      'a password change (from another session)',
      async (user: SignedUp) => {
        const other = await login(a, user.email, user.password);
        return call(a, 'POST', '/api/auth/change-password', {
          session: other,
          body: { currentPassword: user.password, newPassword: 'rotated-secret-123' },
        });
      },
    ],
    [
      'an account deletion',
      (user: SignedUp) =>
        call(a, 'DELETE', '/api/me', { session: user.session, body: { password: user.password } }),
    ],
  ])('%s on A is refused on B at its next request, though B had the token cached', async (_name, end) => {
    const user = await signUp(a, smtp);
    await warmOnB(user.session);
    // A burst that overlaps the end: whatever each of these answers, none may outlive it.
    const overlapping = Promise.all([me(b, user.session), me(b, user.session, 'bearer')]);
    const response = await end(user);
    expect(response.statusCode).toBe(204);
    const after = await Promise.all([
      me(b, user.session),
      me(b, user.session, 'bearer'),
      me(b, user.session),
      call(b, 'GET', '/api/sessions', { session: user.session }),
    ]);
    expect(after.map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    // Concurrent with the end, these may see the session before or after it, but nothing else.
    for (const r of await overlapping) expect([200, 401]).toContain(r.statusCode);
  });

  it('a display name changed on A shows on B at its next request', async () => {
    const user = await signUp(a, smtp, { displayName: 'Old name' });
    await warmOnB(user.session);
    expect((await me(b, user.session)).json().displayName).toBe('Old name');
    const patched = await call(a, 'PATCH', '/api/me', {
      session: user.session,
      body: { displayName: 'New name' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await me(b, user.session)).json().displayName).toBe('New name');
  });

  // Last: it freezes Redis.
  it('with the bus degraded (Redis frozen) a logout on A is still refused on B at its next request', async () => {
    const user = await signUp(a, smtp);
    const bystander = await signUp(a, smtp);
    await warmOnB(user.session);
    await warmOnB(bystander.session);
    redis.pause();
    await vi.waitFor(() => expect(platformOf(b).bus.healthy).toBe(false), { timeout: 15_000 });
    // The end is stored; its announcement waits in a Redis that answers nothing. HTTP does not wait for it.
    expect((await call(a, 'POST', '/api/auth/logout', { session: user.session })).statusCode).toBe(204);
    expect((await me(b, user.session)).statusCode).toBe(401);
    expect((await me(b, user.session, 'bearer')).statusCode).toBe(401);
    // Everyone else is served as before.
    expect((await me(b, bystander.session)).statusCode).toBe(200);
    redis.resume();
  });
});
