import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { call, type Session, signUp, TestClock } from '../helpers/auth.js';
import { DB_KINDS } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { nextTotp } from '../helpers/mfa.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';

describe.each(DB_KINDS)('REQUIRE_MFA on %s', (kind) => {
  let smtp: SmtpCapture;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now, env: { REQUIRE_MFA: 'true' } }, (started) => ({ smtp, app } = started));

  /** Everyday routes an account without a second factor must not reach. */
  const everyday = (session: Session) => [
    () => call(app, 'GET', '/api/conversations', { session }),
    () => call(app, 'GET', '/api/sessions', { session }),
    () => call(app, 'GET', '/api/me/security-events', { session }),
    () => call(app, 'PATCH', '/api/me', { session, body: { displayName: 'Someone Else' } }),
    () =>
      call(app, 'POST', '/api/conversations', {
        session,
        body: { kind: 'group', title: 'x', memberIds: [] },
      }),
  ];

  async function expectEnrolmentOnly(session: Session) {
    for (const action of everyday(session)) {
      const refused = await action();
      expect(refused.statusCode, refused.body).toBe(403);
      expect(refused.json().error.code).toBe('mfa_enrollment_required');
    }
    // What setting a factor up needs stays open.
    expect((await call(app, 'GET', '/api/me', { session })).statusCode).toBe(200);
    expect((await call(app, 'GET', '/api/me/mfa', { session })).statusCode).toBe(200);
  }

  it('lets an account without a second factor reach only enrolment, until an authenticator app is confirmed', async () => {
    const user = await signUp(app, smtp);
    await expectEnrolmentOnly(user.session);
    // Nothing changed by the refused rename.
    expect((await call(app, 'GET', '/api/me', { session: user.session })).json().displayName).toBe(
      'Test User',
    );

    const started = await call(app, 'POST', '/api/me/mfa/totp', { session: user.session });
    expect(started.statusCode, started.body).toBe(200);
    const confirmed = await call(app, 'POST', '/api/me/mfa/totp/confirm', {
      session: user.session,
      body: { code: await nextTotp(started.json().secret, clock) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    for (const action of everyday(user.session).slice(0, 3)) expect((await action()).statusCode).toBe(200);
  });

  it('also lifts with a passkey, and re-authentication stays open while enrolling', async () => {
    const user = await signUp(app, smtp);
    clock.advance(6 * 60_000);
    const stale = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(stale.json().error.code).toBe('reauthentication_required');
    const reauth = await call(app, 'POST', '/api/auth/reauthenticate', {
      session: user.session,
      body: { password: user.password },
    });
    expect(reauth.statusCode, reauth.body).toBe(204);
    const cookie = reauth.cookies.find((c) => c.name.endsWith('parley_session'));
    const session: Session = {
      cookie: `${cookie?.name}=${cookie?.value}`,
      token: String(reauth.headers['x-parley-token']),
    };
    await expectEnrolmentOnly(session);

    const device = new SoftAuthenticator(app.config.publicUrl.origin, app.config.publicUrl.hostname);
    const options = await call(app, 'POST', '/api/me/passkeys/options', { session });
    expect(options.statusCode, options.body).toBe(200);
    const added = await call(app, 'POST', '/api/me/passkeys', {
      session,
      body: { name: 'Laptop', attestation: device.create(options.json()) },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect((await call(app, 'GET', '/api/conversations', { session })).statusCode).toBe(200);
  });

  it('lets a signed-in account without a factor sign out', async () => {
    const user = await signUp(app, smtp);
    expect((await call(app, 'POST', '/api/auth/logout', { session: user.session })).statusCode).toBe(204);
    expect((await call(app, 'GET', '/api/me', { session: user.session })).statusCode).toBe(401);
  });
});
