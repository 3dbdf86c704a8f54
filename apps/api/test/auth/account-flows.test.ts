import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import {
  call,
  GOOD_PASSWORD,
  login,
  reauthenticatedSession,
  signUp,
  tokenFromEmail,
  uniqueEmail,
} from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

describe.each(DB_KINDS)('account flows on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, {
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'http://parley.test:8080' },
    });
    app = await buildTestApp(testDb);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('register → email → verify → login → me → logout', async () => {
    const email = uniqueEmail('Flow');
    const registered = await call(app, 'POST', '/api/auth/register', {
      body: { email: `  ${email.toUpperCase()} `, password: GOOD_PASSWORD, displayName: '  Ada Lovelace ' },
    });
    expect(registered.statusCode).toBe(202);

    const mail = await smtp.waitFor(email.toLowerCase(), /Confirm your email/);
    expect(mail.text).toContain('http://parley.test:8080/verify-email?token=v4.public.');
    expect(mail.html).toContain('href="http://parley.test:8080/verify-email?token=');
    expect(mail.from).toContain('no-reply@localhost');

    const beforeVerify = await call(app, 'POST', '/api/auth/login', {
      body: { email, password: GOOD_PASSWORD },
    });
    expect(beforeVerify.statusCode).toBe(403);
    expect(beforeVerify.json().error.code).toBe('email_not_verified');

    const token = tokenFromEmail(mail.text, 'verify-email');
    const verified = await call(app, 'POST', '/api/auth/verify-email', {
      body: { token, password: GOOD_PASSWORD },
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().user).toMatchObject({
      email: email.toLowerCase(),
      displayName: 'Ada Lovelace',
      emailVerified: true,
    });
    expect(verified.json().user).not.toHaveProperty('passwordHash');

    const again = await call(app, 'POST', '/api/auth/verify-email', {
      body: { token, password: GOOD_PASSWORD },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');

    const loggedIn = await call(app, 'POST', '/api/auth/login', { body: { email, password: GOOD_PASSWORD } });
    expect(loggedIn.statusCode).toBe(200);
    const cookie = loggedIn.cookies.find((c) => c.name === 'parley_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(loggedIn.json().token).toBe(cookie?.value);

    const session = { token: loggedIn.json().token as string, cookie: `parley_session=${cookie?.value}` };
    for (const via of ['cookie', 'bearer'] as const) {
      const me = await call(app, 'GET', '/api/me', { session, via });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({
        id: verified.json().user.id,
        email: email.toLowerCase(),
        displayName: 'Ada Lovelace',
        emailVerified: true,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
    }

    const out = await call(app, 'POST', '/api/auth/logout', { session });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'parley_session')?.value).toBe('');
    expect((await call(app, 'GET', '/api/me', { session })).statusCode).toBe(401);
    expect((await call(app, 'GET', '/api/me', { session, via: 'bearer' })).statusCode).toBe(401);
  });

  it('answers register, resend and forgot the same way whether or not the account exists', async () => {
    const existing = await signUp(app, smtp);
    const register = (email: string) =>
      call(app, 'POST', '/api/auth/register', {
        body: { email, password: 'another-long-secret-9', displayName: 'X' },
      });
    const [taken, fresh] = [await register(existing.email), await register(uniqueEmail('fresh'))];
    expect([taken.statusCode, taken.body]).toEqual([fresh.statusCode, fresh.body]);
    expect(taken.statusCode).toBe(202);

    const unknown = uniqueEmail('nobody');
    for (const path of ['/api/auth/resend-verification', '/api/auth/forgot-password']) {
      const a = await call(app, 'POST', path, { body: { email: existing.email } });
      const b = await call(app, 'POST', path, { body: { email: unknown } });
      expect([a.statusCode, a.body]).toEqual([b.statusCode, b.body]);
      expect(a.statusCode).toBe(202);
    }
    // The account holder is told someone tried, and gets the reset link; the unknown address gets nothing.
    // Every email is queued before its response; once the queue has drained, the capture holds each one.
    await platformOf(app).mail.drain();
    expect(smtp.messages.filter((m) => m.to.includes(existing.email)).map((m) => m.subject)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Someone tried to sign up/),
        expect.stringMatching(/Reset your Parley password/),
      ]),
    );
    expect(smtp.messages.filter((m) => m.to.includes(unknown))).toEqual([]);
    // The existing account's password did not change.
    await login(app, existing.email, existing.password);
  });

  it('rejects wrong passwords and unknown emails with the same 401', async () => {
    const user = await signUp(app, smtp);
    const wrong = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: 'not-the-password-1' },
    });
    const unknown = await call(app, 'POST', '/api/auth/login', {
      body: { email: uniqueEmail(), password: 'not-the-password-1' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.json()).toEqual({
      error: { code: 'invalid_credentials', message: 'Email or password is incorrect' },
    });
  });

  it('enforces the password policy: length, common passwords, not the email', async () => {
    const email = uniqueEmail('policy');
    const cases: [string, RegExp][] = [
      ['short-pw', /at least 12/],
      ['x'.repeat(129), /at most 128/],
      ['password1234', /commonly used password/],
      ['qwertyuiop123', /commonly used password/],
      ['!!sunshine2024', /too common/],
      [email, /email/],
    ];
    for (const [password, message] of cases) {
      const response = await call(app, 'POST', '/api/auth/register', {
        body: { email, password, displayName: 'P' },
      });
      expect(response.statusCode, password).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(JSON.stringify(response.json().error.details)).toMatch(message);
    }
    // Twelve characters of anything uncommon is enough: no composition rules.
    const ok = await call(app, 'POST', '/api/auth/register', {
      body: { email, password: 'zebra lamp oak', displayName: 'P' },
    });
    expect(ok.statusCode).toBe(202);
  });

  it('lists sessions with this device marked, revokes one, and logs out everywhere', async () => {
    const user = await signUp(app, smtp);
    const second = await login(app, user.email, user.password);
    const third = await login(app, user.email, user.password);

    const list = await call(app, 'GET', '/api/sessions', {
      session: second,
      headers: { 'user-agent': 'Phone' },
    });
    expect(list.statusCode).toBe(200);
    const sessions = list.json().sessions as { id: string; current: boolean; ip: string }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const thirdId = sessions.find((s) => !s.current && s.id)?.id as string;

    // Revoking someone else's or an unknown session is a 404, and changes nothing.
    const other = await signUp(app, smtp);
    expect(
      (await call(app, 'DELETE', `/api/sessions/${thirdId}`, { session: other.session })).statusCode,
    ).toBe(404);
    expect(
      (await call(app, 'DELETE', '/api/sessions/unknownSessionId', { session: second })).statusCode,
    ).toBe(404);

    expect((await call(app, 'DELETE', `/api/sessions/${thirdId}`, { session: second })).statusCode).toBe(204);
    const remaining = await call(app, 'GET', '/api/sessions', { session: second });
    expect(remaining.json().sessions).toHaveLength(2);

    expect((await call(app, 'POST', '/api/auth/logout-all', { session: second })).statusCode).toBe(204);
    for (const session of [user.session, second, third]) {
      expect((await call(app, 'GET', '/api/me', { session })).statusCode).toBe(401);
    }
    expect((await call(app, 'GET', '/api/me', { session: other.session })).statusCode).toBe(200);
  });

  it('changes the password, keeping this session and ending the others', async () => {
    const user = await signUp(app, smtp);
    const other = await login(app, user.email, user.password);
    const wrong = await call(app, 'POST', '/api/auth/change-password', {
      session: user.session,
      body: { currentPassword: 'not-my-password', newPassword: 'brand-new-secret-77' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual([{ path: 'body.currentPassword', message: 'is incorrect' }]);

    const changed = await call(app, 'POST', '/api/auth/change-password', {
      session: user.session,
      body: { currentPassword: user.password, newPassword: 'brand-new-secret-77' },
    });
    // This session lives on under a new token; the token it presented is replaced (ASVS 7.2.4).
    const renewed = reauthenticatedSession(changed);
    expect((await call(app, 'GET', '/api/me', { session: renewed })).statusCode).toBe(200);
    expect((await call(app, 'GET', '/api/me', { session: user.session })).statusCode).toBe(401);
    expect((await call(app, 'GET', '/api/me', { session: other })).statusCode).toBe(401);
    await smtp.waitFor(user.email, /password was changed/);
    expect(
      (await call(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } }))
        .statusCode,
    ).toBe(401);
    await login(app, user.email, 'brand-new-secret-77');
  });

  it('updates the display name and finds verified users by email', async () => {
    const user = await signUp(app, smtp, { displayName: 'Before' });
    const patched = await call(app, 'PATCH', '/api/me', {
      session: user.session,
      body: { displayName: 'After' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().displayName).toBe('After');

    const friend = await signUp(app, smtp, { displayName: 'Friend' });
    const found = await call(
      app,
      'GET',
      `/api/users/lookup?email=${encodeURIComponent(friend.email.toUpperCase())}`,
      {
        session: user.session,
      },
    );
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ id: friend.userId, displayName: 'Friend' });

    const unverified = uniqueEmail('unverified');
    await call(app, 'POST', '/api/auth/register', {
      body: { email: unverified, password: GOOD_PASSWORD, displayName: 'U' },
    });
    for (const email of [unverified, uniqueEmail('missing')]) {
      const response = await call(app, 'GET', `/api/users/lookup?email=${encodeURIComponent(email)}`, {
        session: user.session,
      });
      expect(response.statusCode).toBe(404);
    }
    expect((await call(app, 'GET', `/api/users/lookup?email=${friend.email}`)).statusCode).toBe(401);
  });

  it('deletes the account softly: sessions end, the email cannot log in, the row stays', async () => {
    const user = await signUp(app, smtp);
    const wrong = await call(app, 'DELETE', '/api/me', {
      session: user.session,
      body: { password: 'not-my-password' },
    });
    expect(wrong.statusCode).toBe(400);
    const deleted = await call(app, 'DELETE', '/api/me', {
      session: user.session,
      body: { password: user.password },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await call(app, 'GET', '/api/me', { session: user.session })).statusCode).toBe(401);
    expect(
      (await call(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } }))
        .statusCode,
    ).toBe(401);

    const row = await testDb.database.db
      .selectFrom('users')
      .select(['deleted_at'])
      .where('id', '=', user.userId)
      .executeTakeFirst();
    expect(row?.deleted_at).not.toBeNull();
    const events = await testDb.database.db
      .selectFrom('auth_events')
      .select('type')
      .where('user_id', '=', user.userId)
      .execute();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['register', 'email_verified', 'login_succeeded', 'account_deleted']),
    );
  });
});
