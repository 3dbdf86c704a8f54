import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import {
  call,
  GOOD_PASSWORD,
  login,
  signUp,
  TestClock,
  tokenFromEmail,
  uniqueEmail,
} from '../helpers/auth.js';
import { DB_KINDS } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';

describe.each(DB_KINDS)('email links on %s', (kind) => {
  let smtp: SmtpCapture;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, app } = started));

  async function resetLink(email: string): Promise<string> {
    expect((await call(app, 'POST', '/api/auth/forgot-password', { body: { email } })).statusCode).toBe(202);
    return tokenFromEmail((await smtp.waitFor(email, /Reset your Parley password/)).text, 'reset-password');
  }

  it('a reset link works once even when two requests race: exactly one succeeds', async () => {
    const user = await signUp(app, smtp);
    const token = await resetLink(user.email);
    const [a, b] = await Promise.all([
      call(app, 'POST', '/api/auth/reset-password', { body: { token, password: 'first-racer-password' } }),
      call(app, 'POST', '/api/auth/reset-password', { body: { token, password: 'second-racer-password' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([204, 400]);
    const winner = a.statusCode === 204 ? 'first-racer-password' : 'second-racer-password';
    await login(app, user.email, winner);
    const replay = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token, password: 'third-try-password' },
    });
    expect(replay.json().error.code).toBe('invalid_token');
  });

  it('a reset signs out every session and emails a notice', async () => {
    const user = await signUp(app, smtp);
    const other = await login(app, user.email, user.password);
    const token = await resetLink(user.email);
    expect(
      (
        await call(app, 'POST', '/api/auth/reset-password', {
          body: { token, password: 'after-reset-password' },
        })
      ).statusCode,
    ).toBe(204);
    for (const session of [user.session, other])
      expect((await call(app, 'GET', '/api/me', { session })).statusCode).toBe(401);
    await smtp.waitFor(user.email, /password was reset/);
  });

  it('a weak new password is refused without spending the link', async () => {
    const user = await signUp(app, smtp);
    const token = await resetLink(user.email);
    const weak = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token, password: 'password1234' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('validation_failed');
    expect(
      (
        await call(app, 'POST', '/api/auth/reset-password', {
          body: { token, password: 'strong-enough-now' },
        })
      ).statusCode,
    ).toBe(204);
  });

  it('an old reset link dies when the password changes another way', async () => {
    const user = await signUp(app, smtp);
    const token = await resetLink(user.email);
    await call(app, 'POST', '/api/auth/change-password', {
      session: user.session,
      body: { currentPassword: user.password, newPassword: 'changed-meanwhile-1' },
    });
    const response = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token, password: 'attacker-choice-1' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_token');
    await login(app, user.email, 'changed-meanwhile-1');
  });

  it('a reset link expires after 30 minutes, a verification link after 24 hours', async () => {
    const user = await signUp(app, smtp);
    const reset = await resetLink(user.email);
    const email = uniqueEmail('late');
    await call(app, 'POST', '/api/auth/register', {
      body: { email, password: GOOD_PASSWORD, displayName: 'L' },
    });
    const verify = tokenFromEmail((await smtp.waitFor(email, /Confirm your email/)).text, 'verify-email');

    clock.advance(31 * 60 * 1000);
    expect(
      (
        await call(app, 'POST', '/api/auth/reset-password', {
          body: { token: reset, password: 'too-late-password' },
        })
      ).statusCode,
    ).toBe(400);
    clock.advance(24 * 60 * 60 * 1000);
    const late = await call(app, 'POST', '/api/auth/verify-email', {
      body: { token: verify, password: GOOD_PASSWORD },
    });
    expect(late.json().error.code).toBe('invalid_token');
  });

  it('a token of one purpose is not accepted as another', async () => {
    const user = await signUp(app, smtp);
    const reset = await resetLink(user.email);
    expect(
      (
        await call(app, 'POST', '/api/auth/verify-email', {
          body: { token: reset, password: user.password },
        })
      ).json().error.code,
    ).toBe('invalid_token');
    expect(
      (
        await call(app, 'POST', '/api/auth/reset-password', {
          body: { token: user.session.token, password: 'some-new-password' },
        })
      ).json().error.code,
    ).toBe('invalid_token');
    expect(
      (
        await call(app, 'GET', '/api/me', {
          session: { token: reset, cookie: `parley_session=${reset}` },
          via: 'bearer',
        })
      ).statusCode,
    ).toBe(401);
  });
});
