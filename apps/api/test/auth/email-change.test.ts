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

describe.each(DB_KINDS)('email change on %s', (kind) => {
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

  const mailsTo = async (to: string, subject: RegExp) => {
    await platformOf(app).mail.drain();
    return smtp.messages.filter((m) => m.to.includes(to) && subject.test(m.subject));
  };

  it('mails a link to the new address and a notice to the old; the change happens only through the link', async () => {
    const user = await signUp(app, smtp);
    const elsewhere = await login(app, user.email);
    const newEmail = uniqueEmail('moved');

    const wrong = await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail, password: 'not-the-password' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details[0].path).toBe('body.password');
    const same = await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail: user.email.toUpperCase(), password: GOOD_PASSWORD },
    });
    expect(same.statusCode).toBe(400);
    expect(same.json().error.details[0].path).toBe('body.newEmail');
    expect(await mailsTo(newEmail, /./)).toEqual([]);

    const asked = await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail: `  ${newEmail.toUpperCase()} `, password: GOOD_PASSWORD },
    });
    expect(asked.statusCode).toBe(202);
    const link = await smtp.waitFor(newEmail, /Confirm your new email/);
    expect(link.text).toContain('http://parley.test:8080/confirm-email-change?token=v4.public.');
    const notice = await smtp.waitFor(user.email, /about to change/);
    expect(notice.text).toContain(newEmail);
    expect(notice.text).toContain('http://parley.test:8080/settings/sessions');
    expect(notice.text).not.toContain('confirm-email-change');

    // Nothing has changed yet.
    expect((await call(app, 'GET', '/api/me', { session: elsewhere })).json().email).toBe(user.email);
    await login(app, user.email);

    // Confirmed in the browser that asked: that session stays, every other one ends.
    const token = tokenFromEmail(link.text, 'confirm-email-change');
    const confirmed = await call(app, 'POST', '/api/auth/confirm-email-change', {
      session: user.session,
      body: { token },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ id: user.userId, email: newEmail, emailVerified: true });
    expect((await call(app, 'GET', '/api/me', { session: user.session })).json().email).toBe(newEmail);
    expect((await call(app, 'GET', '/api/me', { session: elsewhere })).statusCode).toBe(401);
    const sessions = (await call(app, 'GET', '/api/sessions', { session: user.session })).json().sessions;
    expect(sessions).toHaveLength(1);

    const changed = await smtp.waitFor(user.email, /email was changed/);
    expect(changed.text).toContain(newEmail);

    // Sign-in follows the address.
    const oldLogin = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: GOOD_PASSWORD },
    });
    expect(oldLogin.statusCode).toBe(401);
    await login(app, newEmail);

    // Single use.
    const again = await call(app, 'POST', '/api/auth/confirm-email-change', { body: { token } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');

    const types = (await call(app, 'GET', '/api/me/security-events', { session: user.session }))
      .json()
      .events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email_change_requested', 'email_changed']));
  });

  it('confirmed without a session of the account, it ends every session', async () => {
    const user = await signUp(app, smtp);
    const newEmail = uniqueEmail('moved');
    await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail, password: GOOD_PASSWORD },
    });
    const link = await smtp.waitFor(newEmail, /Confirm your new email/);
    const stranger = await signUp(app, smtp);
    const confirmed = await call(app, 'POST', '/api/auth/confirm-email-change', {
      session: stranger.session,
      body: { token: tokenFromEmail(link.text, 'confirm-email-change') },
    });
    expect(confirmed.statusCode).toBe(200);
    expect((await call(app, 'GET', '/api/me', { session: user.session })).statusCode).toBe(401);
    // The other account's session has nothing to do with it.
    expect((await call(app, 'GET', '/api/me', { session: stranger.session })).statusCode).toBe(200);
  });

  it('a link dies when the password changes, and a verification link is no email-change link', async () => {
    const user = await signUp(app, smtp);
    const newEmail = uniqueEmail('moved');
    await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail, password: GOOD_PASSWORD },
    });
    const link = await smtp.waitFor(newEmail, /Confirm your new email/);
    const changed = await call(app, 'POST', '/api/auth/change-password', {
      session: user.session,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'granite-orchard-lantern-9' },
    });
    const renewed = reauthenticatedSession(changed);
    const late = await call(app, 'POST', '/api/auth/confirm-email-change', {
      body: { token: tokenFromEmail(link.text, 'confirm-email-change') },
    });
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('invalid_token');
    expect((await call(app, 'GET', '/api/me', { session: renewed })).json().email).toBe(user.email);

    // A verification token (same keyring) is refused by the email-change route, and the other way round.
    const pending = uniqueEmail('pending');
    await call(app, 'POST', '/api/auth/register', {
      body: { email: pending, password: GOOD_PASSWORD, displayName: 'Pending' },
    });
    const verify = tokenFromEmail((await smtp.waitFor(pending, /Confirm your email/)).text, 'verify-email');
    const crossed = await call(app, 'POST', '/api/auth/confirm-email-change', { body: { token: verify } });
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json().error.code).toBe('invalid_token');
    // The verification link was not spent by that attempt.
    const verified = await call(app, 'POST', '/api/auth/verify-email', {
      body: { token: verify, password: GOOD_PASSWORD },
    });
    expect(verified.statusCode).toBe(200);
  });

  it('answers the same for an address another account holds: its owner gets a notice, nobody a link', async () => {
    const user = await signUp(app, smtp);
    const holder = await signUp(app, smtp);
    const asked = await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail: holder.email, password: GOOD_PASSWORD },
    });
    expect(asked.statusCode).toBe(202);
    await smtp.waitFor(holder.email, /Someone tried to use your email/);
    expect(await mailsTo(holder.email, /Confirm your new email/)).toEqual([]);
    await smtp.waitFor(user.email, /about to change/);
    expect((await call(app, 'GET', '/api/me', { session: user.session })).json().email).toBe(user.email);
  });

  it('refuses the change when another account took the address meanwhile, and changes nothing', async () => {
    const user = await signUp(app, smtp);
    const newEmail = uniqueEmail('raced');
    await call(app, 'POST', '/api/me/email', {
      session: user.session,
      body: { newEmail, password: GOOD_PASSWORD },
    });
    const link = await smtp.waitFor(newEmail, /Confirm your new email/);
    await signUp(app, smtp, { email: newEmail });
    const confirmed = await call(app, 'POST', '/api/auth/confirm-email-change', {
      body: { token: tokenFromEmail(link.text, 'confirm-email-change') },
    });
    expect(confirmed.statusCode).toBe(409);
    expect(confirmed.json().error.code).toBe('conflict');
    expect((await call(app, 'GET', '/api/me', { session: user.session })).statusCode).toBe(200);
  });
});
