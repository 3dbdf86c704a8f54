import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('CSRF, cookies and session lifetime', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase('sqlite', {
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://chat.example.com',
        CORS_ORIGINS: 'https://admin.example.com',
      },
    });
    app = await buildTestApp(testDb, { now: clock.now });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('uses a __Host- cookie, Secure and HttpOnly, over HTTPS', async () => {
    const user = await signUp(app, smtp);
    expect(user.session.cookie.startsWith('__Host-parley_session=')).toBe(true);
    const response = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const cookie = response.cookies[0];
    expect(cookie).toMatchObject({
      name: '__Host-parley_session',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    expect(cookie?.domain).toBeUndefined();
    expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('refuses cookie-authenticated writes from a foreign Origin or with no Origin', async () => {
    const user = await signUp(app, smtp);
    const patch = (origin: string | null) =>
      call(app, 'PATCH', '/api/me', { session: user.session, origin, body: { displayName: 'Hacked' } });
    for (const origin of ['https://evil.example', 'null', null]) {
      const response = await patch(origin);
      expect(response.statusCode, String(origin)).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
    expect((await call(app, 'GET', '/api/me', { session: user.session })).json().displayName).toBe(
      'Test User',
    );
    expect((await patch('https://admin.example.com')).statusCode).toBe(200);
    expect((await patch('https://chat.example.com')).statusCode).toBe(200);
  });

  it('lets bearer clients write without an Origin, and refuses login from a foreign page', async () => {
    const user = await signUp(app, smtp);
    const response = await call(app, 'PATCH', '/api/me', {
      session: user.session,
      via: 'bearer',
      origin: null,
      body: { displayName: 'API' },
    });
    expect(response.statusCode).toBe(200);
    const foreign = await call(app, 'POST', '/api/auth/login', {
      origin: 'https://evil.example',
      body: { email: user.email, password: user.password },
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('answers forged, malformed and missing credentials with 401', async () => {
    const user = await signUp(app, smtp);
    const [header, payload, signature] = user.session.token.split('.').slice(1);
    const tampered = `v4.public.${payload?.slice(0, -4)}AAAA${signature ?? ''}`;
    for (const token of [tampered, 'v4.public.', 'garbage', `${header}`, `${user.session.token}x`]) {
      const response = await call(app, 'GET', '/api/me', {
        session: { token, cookie: `__Host-parley_session=${token}` },
        via: 'bearer',
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
    expect((await call(app, 'GET', '/api/me')).statusCode).toBe(401);
  });

  it('re-issues the session token after an hour and ends the session after 30 days', async () => {
    const user = await signUp(app, smtp);
    const early = await call(app, 'GET', '/api/me', { session: user.session });
    expect(early.cookies).toHaveLength(0);

    clock.advance(61 * 60 * 1000);
    const later = await call(app, 'GET', '/api/me', { session: user.session });
    expect(later.statusCode).toBe(200);
    const fresh = later.cookies.find((c) => c.name === '__Host-parley_session');
    expect(fresh?.value).toMatch(/^v4\.public\./);
    expect(fresh?.value).not.toBe(user.session.token);
    const bearer = await call(app, 'GET', '/api/me', { session: user.session, via: 'bearer' });
    expect(bearer.headers['x-parley-token']).toMatch(/^v4\.public\./);

    // Keep the session alive with fresh tokens; it still ends 30 days after login.
    let session = { token: fresh?.value ?? '', cookie: `__Host-parley_session=${fresh?.value}` };
    for (let day = 0; day < 32; day += 1) {
      clock.advance(23 * 60 * 60 * 1000);
      const response = await call(app, 'GET', '/api/me', { session });
      if (response.statusCode !== 200) break;
      const next = response.cookies.find((c) => c.name === '__Host-parley_session')?.value;
      if (next) session = { token: next, cookie: `__Host-parley_session=${next}` };
    }
    expect((await call(app, 'GET', '/api/me', { session })).statusCode).toBe(401);
  });
});
