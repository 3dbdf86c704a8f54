import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { channels, type UsersEvent } from '../../src/platform/bus/event-bus.js';
import { platformOf } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { createDirect, send } from '../helpers/messaging.js';
import { notificationsTo, notifierOf, runJob, unsubscribeToken } from '../helpers/notifications.js';

type User = Awaited<ReturnType<typeof signUp>>;

const DAY = 24 * 3_600_000;

describe.each(DB_KINDS)('notification settings and one-click unsubscribe on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, testDb, app } = started));

  const settingsOf = async (user: User) => {
    const response = await call(app, 'GET', '/api/me/notification-settings', { session: user.session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  /** A notification email to a fresh user, and that user. */
  const emailed = async () => {
    const ada = await signUp(app, smtp, { displayName: 'Ada' });
    const bob = await signUp(app, smtp, { displayName: 'Bob' });
    const direct = await createDirect(app, ada.session, bob.userId);
    await send(app, ada.session, direct.id, 'hi');
    clock.advance(app.config.notifyEmail.delayMs + 60_000);
    await runJob(notifierOf(app, testDb.database.db, clock.now));
    const [mail] = notificationsTo(smtp, bob.email);
    if (!mail) throw new Error('no notification email');
    return { ada, bob, direct, mail, token: unsubscribeToken(mail) };
  };

  it('reads and changes the settings, and announces a presence change on the bus', async () => {
    const user = await signUp(app, smtp);
    expect(await settingsOf(user)).toEqual({ email: 'direct_and_mentions', presenceVisible: true });

    const events: UsersEvent[] = [];
    const subscription = platformOf(app).bus.subscribe(channels.users, (event) => {
      if (event.kind === 'user_updated') events.push(event);
    });
    await subscription.ready;
    const changed = await call(app, 'PATCH', '/api/me/notification-settings', {
      session: user.session,
      body: { email: 'all', presenceVisible: false },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toEqual({ email: 'all', presenceVisible: false });
    expect(await settingsOf(user)).toEqual({ email: 'all', presenceVisible: false });
    expect(events).toEqual([{ kind: 'user_updated', userId: user.userId, presenceVisible: false }]);

    // Only the email setting: no presence event.
    await call(app, 'PATCH', '/api/me/notification-settings', {
      session: user.session,
      body: { email: 'off' },
    });
    expect(await settingsOf(user)).toEqual({ email: 'off', presenceVisible: false });
    expect(events).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('refuses unknown fields, bad values and empty changes with 400, and changes nothing', async () => {
    const user = await signUp(app, smtp);
    for (const body of [
      { email: 'weekly' },
      { presenceVisible: 'yes' },
      { email: 'all', sms: true },
      {},
      { email: null },
    ]) {
      const response = await call(app, 'PATCH', '/api/me/notification-settings', {
        session: user.session,
        body,
      });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
    expect(await settingsOf(user)).toEqual({ email: 'direct_and_mentions', presenceVisible: true });
  });

  it('needs a session for the settings', async () => {
    expect((await call(app, 'GET', '/api/me/notification-settings')).statusCode).toBe(401);
    const patch = await call(app, 'PATCH', '/api/me/notification-settings', { body: { email: 'off' } });
    expect(patch.statusCode).toBe(401);
  });

  it('unsubscribes signed out with the RFC 8058 form post to the header URL', async () => {
    const { bob, token } = await emailed();
    const response = await app.inject({
      method: 'POST',
      url: `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(response.statusCode, response.body).toBe(204);
    expect((await settingsOf(bob)).email).toBe('off');
    // Used again: still fine, still off.
    const again = await call(app, 'POST', '/api/notifications/unsubscribe', {
      body: { token },
      origin: null,
    });
    expect(again.statusCode).toBe(204);
  });

  it('takes the multipart form of the one-click post too', async () => {
    const { bob, token } = await emailed();
    const boundary = 'parleyboundary';
    const response = await app.inject({
      method: 'POST',
      url: `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    expect(response.statusCode, response.body).toBe(204);
    expect((await settingsOf(bob)).email).toBe('off');
  });

  it('unsubscribes with the JSON body of the web page, and a later email is not sent', async () => {
    const { ada, bob, direct, token } = await emailed();
    const response = await call(app, 'POST', '/api/notifications/unsubscribe', { body: { token } });
    expect(response.statusCode, response.body).toBe(204);
    expect((await settingsOf(bob)).email).toBe('off');
    await send(app, ada.session, direct.id, 'after unsubscribing');
    clock.advance(2 * 3_600_000);
    await runJob(notifierOf(app, testDb.database.db, clock.now));
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
  });

  it('never unsubscribes on GET: a browser is sent to the page that asks first', async () => {
    const { bob, token } = await emailed();
    const response = await app.inject({
      method: 'GET',
      url: `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
    });
    expect(response.statusCode).toBe(303);
    const location = new URL(String(response.headers.location));
    expect(location.origin + location.pathname).toBe(`${app.config.publicUrl.origin}/unsubscribe`);
    expect(location.searchParams.get('token')).toBe(token);
    expect((await settingsOf(bob)).email).toBe('direct_and_mentions');
  });

  it('refuses forged, expired, missing and foreign tokens; a session token cannot unsubscribe and the link cannot sign in', async () => {
    const { bob, token, mail } = await emailed();
    const post = (body: unknown) =>
      call(app, 'POST', '/api/notifications/unsubscribe', { body, origin: null });
    const parts = token.split('.');
    const forged = [...parts.slice(0, 4), `${parts[4]?.slice(0, -2)}AA`].join('.');
    const otherUser = Buffer.from(JSON.stringify({ sub: 'someone-else', exp: 9_999_999_999 })).toString(
      'base64url',
    );
    const swapped = [...parts.slice(0, 3), otherUser, parts[4]].join('.');
    const wrongPurpose = ['l1', 'password_reset', ...parts.slice(2)].join('.');
    for (const bad of [forged, swapped, wrongPurpose, bob.session.token, 'not-a-token']) {
      const response = await post({ token: bad });
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().error.code).toBe('invalid_token');
    }
    expect((await post({})).statusCode).toBe(400);
    expect((await post({ token, extra: 1 })).statusCode).toBe(400);
    // The unsubscribe token is no session, and no email link of another kind.
    const asSession = await app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asSession.statusCode).toBe(401);
    const verify = await call(app, 'POST', '/api/auth/verify-email', {
      body: { token, password: bob.password },
    });
    expect(verify.statusCode).toBe(400);
    expect((await settingsOf(bob)).email).toBe('direct_and_mentions');

    // A valid link, past its lifetime.
    expect(mail.text).toContain('/unsubscribe?token=');
    clock.advance(app.config.notifyEmail.unsubscribeLinkTtlMs + DAY);
    const expired = await post({ token });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe('invalid_token');
  });

  it('refuses a one-click post from a foreign Origin', async () => {
    const { bob, token } = await emailed();
    const response = await call(app, 'POST', '/api/notifications/unsubscribe', {
      body: { token },
      origin: 'https://evil.example',
    });
    expect(response.statusCode).toBe(403);
    expect((await settingsOf(bob)).email).toBe('direct_and_mentions');
  });
});
