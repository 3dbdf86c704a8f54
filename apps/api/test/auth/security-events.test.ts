import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, GOOD_PASSWORD, login, reauthenticatedSession, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

interface Event {
  id: string;
  type: string;
  createdAt: string;
  ip: string | null;
  userAgent: string | null;
}

describe.each(DB_KINDS)('security log on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('lists sign-ins, failures, password changes and session ends with time, IP and device', async () => {
    const user = await signUp(app, smtp);
    const failed = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: 'not-the-password' },
      headers: { 'x-forwarded-for': '198.51.100.23', 'user-agent': 'Mozilla/5.0 (X11; Linux) Firefox/128.0' },
    });
    expect(failed.statusCode).toBe(401);
    await login(app, user.email);
    const sessions = (await call(app, 'GET', '/api/sessions', { session: user.session })).json().sessions as {
      id: string;
      current: boolean;
    }[];
    const other = sessions.find((s) => !s.current);
    const ended = await call(app, 'DELETE', `/api/sessions/${other?.id}`, { session: user.session });
    expect(ended.statusCode).toBe(204);
    const changed = await call(app, 'POST', '/api/auth/change-password', {
      session: user.session,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'granite-orchard-lantern-9' },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    const renewed = reauthenticatedSession(changed);

    const page = await call(app, 'GET', '/api/me/security-events', { session: renewed });
    expect(page.statusCode).toBe(200);
    const events: Event[] = page.json().events;
    expect(events.map((e) => e.type)).toEqual([
      'password_changed',
      'session_revoked',
      'login_succeeded',
      'login_failed',
      'login_succeeded',
      'email_verified',
      'register',
    ]);
    expect(page.json().nextCursor).toBeNull();
    expect(events[0]).toMatchObject({ ip: '203.0.113.9' });
    expect(events[3]).toEqual({
      id: expect.any(String),
      type: 'login_failed',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      ip: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (X11; Linux) Firefox/128.0',
    });
  });

  it('pages newest first by cursor, with no gap or repeat, and never shows another account', async () => {
    const user = await signUp(app, smtp);
    const neighbour = await signUp(app, smtp);
    // Interleave: 12 sign-ins each, so both accounts have events at the same moments.
    for (let i = 0; i < 12; i += 1) {
      await login(app, user.email);
      const wrong = await call(app, 'POST', '/api/auth/login', {
        body: { email: neighbour.email, password: `wrong-password-${i}` },
      });
      expect(wrong.statusCode).toBe(401);
    }
    const all: Event[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=5&cursor=${cursor}` : '?limit=5';
      const response = await call(app, 'GET', `/api/me/security-events${query}`, { session: user.session });
      expect(response.statusCode, response.body).toBe(200);
      const body: { events: Event[]; nextCursor: string | null } = response.json();
      expect(body.events.length).toBeLessThanOrEqual(5);
      all.push(...body.events);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    // register, email_verified, the sign-in of signUp, and 12 more.
    expect(all).toHaveLength(15);
    expect(pages).toBe(3);
    expect(all.map((e) => e.type).sort()).toEqual(
      [...new Array(13).fill('login_succeeded'), 'email_verified', 'register'].sort(),
    );
    expect(new Set(all.map((e) => e.id)).size).toBe(15);
    const times = all.map((e) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.some((e) => e.type === 'login_failed')).toBe(false);

    const theirs: Event[] = (
      await call(app, 'GET', '/api/me/security-events?limit=100', { session: neighbour.session })
    ).json().events;
    expect(theirs.filter((e) => e.type === 'login_failed')).toHaveLength(12);
    expect(theirs.filter((e) => e.type === 'login_succeeded')).toHaveLength(1);
  });

  it('refuses a cursor it did not make, a bad limit, and anonymous callers', async () => {
    const user = await signUp(app, smtp);
    for (const query of [
      '?cursor=bm90LWEtY3Vyc29y',
      '?cursor=%2F%2F',
      '?limit=0',
      '?limit=101',
      '?other=1',
    ]) {
      const response = await call(app, 'GET', `/api/me/security-events${query}`, { session: user.session });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
    expect((await call(app, 'GET', '/api/me/security-events')).statusCode).toBe(401);
  });
});
