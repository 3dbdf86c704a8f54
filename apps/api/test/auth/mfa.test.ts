import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { platformOf } from '../helpers/app.js';
import {
  call,
  GOOD_PASSWORD,
  login,
  reauthenticatedSession,
  type Session,
  sessionFrom,
  signUp,
  TestClock,
  tokenFromEmail,
} from '../helpers/auth.js';
import { DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { enrolTotp, nextTotp, passwordStep, secondStep, totpAt } from '../helpers/mfa.js';

describe.each(DB_KINDS)('two-step sign-in on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, testDb, app } = started));

  const mfa = async (session: Session) => (await call(app, 'GET', '/api/me/mfa', { session })).json();
  const me = (session: Session) => call(app, 'GET', '/api/me', { session });

  it('enrols an authenticator: QR code and secret, confirmed with a code; other sessions end, a notice goes out', async () => {
    const user = await signUp(app, smtp);
    const other = await login(app, user.email);
    expect(await mfa(user.session)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });

    const started = await call(app, 'POST', '/api/me/mfa/totp', { session: user.session });
    expect(started.statusCode, started.body).toBe(200);
    const { secret, otpauthUri, qrSvg } = started.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Parley');
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);
    expect(qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(qrSvg).not.toMatch(/<script|href=/i);
    // Not active until confirmed: signing in still needs the password only.
    expect((await mfa(user.session)).totp).toBe(false);
    expect(
      (
        await call(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })
      ).json(),
    ).toHaveProperty('token');

    const wrong = await call(app, 'POST', '/api/me/mfa/totp/confirm', {
      session: user.session,
      body: { code: await totpAt(secret, clock, 10) },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual([{ path: 'body.code', message: 'is incorrect' }]);
    expect((await mfa(user.session)).totp).toBe(false);

    const confirmed = await call(app, 'POST', '/api/me/mfa/totp/confirm', {
      session: user.session,
      body: { code: await nextTotp(secret, clock) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const codes: string[] = confirmed.json().recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect(await mfa(user.session)).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });

    // This device stays signed in; the one signed in with the password alone does not.
    expect((await me(user.session)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    await smtp.waitFor(user.email, /Two-step sign-in is on/);

    // One authenticator at a time.
    const again = await call(app, 'POST', '/api/me/mfa/totp', { session: user.session });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('stores the secret sealed and the recovery codes as keyed hashes, never in plain text', async () => {
    const user = await signUp(app, smtp);
    const { secret, recoveryCodes } = await enrolTotp(app, user.session, clock);
    const db = testDb.database.db;
    const factor = await db
      .selectFrom('totp_factors')
      .selectAll()
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    const row = JSON.stringify(factor);
    expect(row).not.toContain(secret);
    expect(row.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(factor.secret_sealed).toMatch(/^v1\.[\w-]{12}\.[\w-]{16}\.[\w-]+$/);
    const hashes = await db
      .selectFrom('recovery_codes')
      .select('code_hash')
      .where('user_id', '=', user.userId)
      .execute();
    expect(hashes).toHaveLength(10);
    const stored = JSON.stringify(hashes);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll('-', ''));
    }
    for (const { code_hash } of hashes) expect(code_hash).toMatch(/^[0-9a-f]{64}$/);

    // The sealed value opens only for its owner, and only with the key (not in the database).
    const cipher = platformOf(app).mfa;
    expect((await cipher.open(factor.secret_sealed, user.userId)).plaintext).toBe(secret);
    await expect(cipher.open(factor.secret_sealed, 'someone-else')).rejects.toThrow(/does not open/);
    const tampered = `${factor.secret_sealed.slice(0, -2)}${factor.secret_sealed.endsWith('A') ? 'B' : 'A'}A`;
    await expect(cipher.open(tampered, user.userId)).rejects.toThrow();
  });

  it('signs in in two steps: no cookie after the password, a session after the code', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const response = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      mfaRequired: true,
      challenge: expect.stringMatching(/^[\w-]{43}$/),
      methods: ['totp', 'recovery'],
    });
    expect(response.headers['set-cookie']).toBeUndefined();
    // The challenge is not a session token.
    expect(
      (
        await call(app, 'GET', '/api/me', {
          headers: { authorization: `Bearer ${response.json().challenge}` },
        })
      ).statusCode,
    ).toBe(401);

    const session = sessionFrom(
      await secondStep(app, response.json().challenge, await nextTotp(secret, clock)),
    );
    expect((await me(session)).json().email).toBe(user.email);
    const events = await testDb.database.db
      .selectFrom('auth_events')
      .select('type')
      .where('user_id', '=', user.userId)
      .orderBy('created_at')
      .execute();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['login_mfa_required', 'login_succeeded']),
    );
  });

  it('refuses a replayed TOTP code, even in a fresh challenge, and a code two steps away', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const code = await nextTotp(secret, clock);
    sessionFrom(await secondStep(app, await passwordStep(app, user.email, user.password), code));

    const replay = await secondStep(app, await passwordStep(app, user.email, user.password), code);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.details).toEqual([{ path: 'body.code', message: 'is incorrect' }]);

    // ±1 step: the previous step's code (older than the one used) and one two steps ahead are refused.
    const challenge = await passwordStep(app, user.email, user.password);
    expect((await secondStep(app, challenge, await totpAt(secret, clock, -1))).statusCode).toBe(400);
    expect((await secondStep(app, challenge, await totpAt(secret, clock, 2))).statusCode).toBe(400);
    // The next step's code (clock drift) is accepted.
    expect((await secondStep(app, challenge, await totpAt(secret, clock, 1))).statusCode).toBe(200);
  });

  it('accepts one of two concurrent sign-ins with the same code', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const first = await passwordStep(app, user.email, user.password);
    const second = await passwordStep(app, user.email, user.password);
    const code = await nextTotp(secret, clock);
    const answers = await Promise.all([secondStep(app, first, code), secondStep(app, second, code)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
  });

  it('refuses a challenge used once, an expired one and one older than a password change', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const challenge = await passwordStep(app, user.email, user.password);
    expect((await secondStep(app, challenge, await nextTotp(secret, clock))).statusCode).toBe(200);
    const reused = await secondStep(app, challenge, await nextTotp(secret, clock));
    expect(reused.statusCode).toBe(400);
    expect(reused.json().error.code).toBe('invalid_token');

    const old = await passwordStep(app, user.email, user.password);
    clock.advance(5 * 60_000 + 1_000);
    const expired = await secondStep(app, old, await totpAt(secret, clock));
    expect(expired.json().error.code).toBe('invalid_token');

    const beforeReset = await passwordStep(app, user.email, user.password);
    expect(
      (await call(app, 'POST', '/api/auth/forgot-password', { body: { email: user.email } })).statusCode,
    ).toBe(202);
    const mail = await smtp.waitFor(user.email, /Reset your Parley password/);
    const reset = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token: tokenFromEmail(mail.text, 'reset-password'), password: 'a brand new passphrase 7' },
    });
    expect(reset.statusCode).toBe(204);
    const stale = await secondStep(app, beforeReset, await nextTotp(secret, clock));
    expect(stale.json().error.code).toBe('invalid_token');
    // Nothing was spent by it: the same code works in a challenge earned with the new password.
    expect(
      (
        await secondStep(
          app,
          await passwordStep(app, user.email, 'a brand new passphrase 7'),
          await totpAt(secret, clock),
        )
      ).statusCode,
    ).toBe(200);
  });

  it('closes a challenge after 5 wrong codes: the right code no longer works', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    const challenge = await passwordStep(app, user.email, user.password);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const wrong = await secondStep(app, challenge, attempt % 2 ? '000000' : 'aaaa-bbbb-cccc-dddd');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.code).toBe('validation_failed');
    }
    const fifth = await secondStep(app, challenge, '000001');
    expect(fifth.json().error.code).toBe('invalid_token');
    const right = await secondStep(app, challenge, await nextTotp(secret, clock));
    expect(right.statusCode).toBe(400);
    expect(right.json().error.code).toBe('invalid_token');
    const failures = await testDb.database.db
      .selectFrom('auth_events')
      .select('type')
      .where('user_id', '=', user.userId)
      .where('type', '=', 'login_mfa_failed')
      .execute();
    expect(failures).toHaveLength(5);
  });

  it('takes each recovery code once; case, spaces and dashes do not matter', async () => {
    const user = await signUp(app, smtp);
    const { recoveryCodes } = await enrolTotp(app, user.session, clock);
    const [first, second] = recoveryCodes as [string, string];
    const session = sessionFrom(
      await secondStep(app, await passwordStep(app, user.email, user.password), first),
    );
    expect((await mfa(session)).recoveryCodesLeft).toBe(9);
    const again = await secondStep(app, await passwordStep(app, user.email, user.password), first);
    expect(again.statusCode).toBe(400);
    const typed = ` ${second.replaceAll('-', ' ').toUpperCase()} `;
    expect(
      (await secondStep(app, await passwordStep(app, user.email, user.password), typed)).statusCode,
    ).toBe(200);
    expect((await mfa(session)).recoveryCodesLeft).toBe(8);
  });

  it('regenerating recovery codes kills the old set', async () => {
    const user = await signUp(app, smtp);
    const { recoveryCodes: old } = await enrolTotp(app, user.session, clock);
    const regenerated = await call(app, 'POST', '/api/me/mfa/recovery-codes', { session: user.session });
    expect(regenerated.statusCode).toBe(200);
    const fresh: string[] = regenerated.json().recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);
    expect((await mfa(user.session)).recoveryCodesLeft).toBe(10);
    for (const code of old.slice(0, 2)) {
      expect(
        (await secondStep(app, await passwordStep(app, user.email, user.password), code)).statusCode,
      ).toBe(400);
    }
    expect(
      (await secondStep(app, await passwordStep(app, user.email, user.password), fresh[0] as string))
        .statusCode,
    ).toBe(200);
  });

  it('still needs the second factor after a password reset', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    await call(app, 'POST', '/api/auth/forgot-password', { body: { email: user.email } });
    const mail = await smtp.waitFor(user.email, /Reset your Parley password/);
    const password = 'reset but still two steps';
    const reset = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token: tokenFromEmail(mail.text, 'reset-password'), password },
    });
    expect(reset.statusCode).toBe(204);
    const answer = await call(app, 'POST', '/api/auth/login', { body: { email: user.email, password } });
    expect(answer.json()).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery'] });
    expect(answer.cookies).toEqual([]);
    const session = sessionFrom(
      await secondStep(app, answer.json().challenge, await nextTotp(secret, clock)),
    );
    expect((await mfa(session)).totp).toBe(true);
  });

  it('needs a recent authentication for sensitive actions, by password or by code', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock);
    let session = sessionFrom(
      await secondStep(
        app,
        await passwordStep(app, user.email, user.password),
        await nextTotp(secret, clock),
      ),
    );
    const otherDevice = sessionFrom(
      await secondStep(
        app,
        await passwordStep(app, user.email, user.password),
        await nextTotp(secret, clock),
      ),
    );
    const otherId = (await call(app, 'GET', '/api/sessions', { session: otherDevice }))
      .json()
      .sessions.find((s: { current: boolean }) => s.current).id;
    clock.advance(5 * 60_000 + 1_000);

    const sensitive = [
      () => call(app, 'POST', '/api/me/mfa/totp', { session }),
      () => call(app, 'DELETE', '/api/me/mfa/totp', { session }),
      () => call(app, 'POST', '/api/me/mfa/recovery-codes', { session }),
      () => call(app, 'POST', '/api/auth/logout-all', { session }),
      () => call(app, 'DELETE', `/api/sessions/${otherId}`, { session }),
      () =>
        call(app, 'POST', '/api/auth/change-password', {
          session,
          body: { currentPassword: GOOD_PASSWORD, newPassword: 'another long passphrase' },
        }),
      () => call(app, 'DELETE', '/api/me', { session, body: { password: GOOD_PASSWORD } }),
      () =>
        call(app, 'POST', '/api/me/email', {
          session,
          body: { newEmail: `moved-${user.email}`, password: GOOD_PASSWORD },
        }),
    ];
    for (const action of sensitive) {
      const refused = await action();
      expect(refused.statusCode, refused.body).toBe(403);
      expect(refused.json().error.code).toBe('reauthentication_required');
    }
    // Nothing happened: the factor is on, the other device signed in, the password and email unchanged.
    expect(await mfa(session)).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
    expect((await me(session)).json().email).toBe(user.email);
    expect((await me(otherDevice)).statusCode).toBe(200);
    // Everyday actions and ending this very session need nothing more.
    expect((await call(app, 'GET', '/api/sessions', { session })).statusCode).toBe(200);

    const wrong = await call(app, 'POST', '/api/auth/reauthenticate', {
      session,
      body: { password: 'nope' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual([{ path: 'body.password', message: 'is incorrect' }]);
    const both = await call(app, 'POST', '/api/auth/reauthenticate', {
      session,
      body: { password: GOOD_PASSWORD, code: '123456' },
    });
    expect(both.statusCode).toBe(400);

    const byPassword = await call(app, 'POST', '/api/auth/reauthenticate', {
      session,
      body: { password: GOOD_PASSWORD },
    });
    // The re-authentication replaced the session's token: the one presented before no longer works.
    const before = session;
    session = reauthenticatedSession(byPassword);
    expect((await me(before)).statusCode).toBe(401);
    expect((await call(app, 'POST', '/api/me/mfa/recovery-codes', { session })).statusCode).toBe(200);
    expect((await call(app, 'DELETE', `/api/sessions/${otherId}`, { session })).statusCode).toBe(204);

    clock.advance(5 * 60_000 + 1_000);
    expect((await call(app, 'POST', '/api/me/mfa/recovery-codes', { session })).statusCode).toBe(403);
    const code = await nextTotp(secret, clock);
    const byCode = await call(app, 'POST', '/api/auth/reauthenticate', { session, body: { code } });
    session = reauthenticatedSession(byCode);
    // The code is spent: it cannot re-authenticate (or sign in) a second time.
    const replayed = await call(app, 'POST', '/api/auth/reauthenticate', { session, body: { code } });
    expect(replayed.statusCode).toBe(400);
    expect((await call(app, 'POST', '/api/me/mfa/recovery-codes', { session })).statusCode).toBe(200);
  });

  it('refuses a code to re-authenticate an account without a second factor', async () => {
    const user = await signUp(app, smtp);
    const answer = await call(app, 'POST', '/api/auth/reauthenticate', {
      session: user.session,
      body: { code: '123456' },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.details[0].path).toBe('body.code');
  });

  it('removes the authenticator: recovery codes die, other sessions end, the password alone signs in', async () => {
    const user = await signUp(app, smtp);
    const { secret, recoveryCodes } = await enrolTotp(app, user.session, clock);
    const other = sessionFrom(
      await secondStep(
        app,
        await passwordStep(app, user.email, user.password),
        await nextTotp(secret, clock),
      ),
    );
    const removed = await call(app, 'DELETE', '/api/me/mfa/totp', { session: user.session });
    expect(removed.statusCode).toBe(204);
    expect(await mfa(user.session)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    expect((await me(other)).statusCode).toBe(401);
    await smtp.waitFor(user.email, /Two-step sign-in was turned off/);
    const session = await login(app, user.email);
    expect((await me(session)).statusCode).toBe(200);
    const live = await testDb.database.db
      .selectFrom('recovery_codes')
      .select('id')
      .where('user_id', '=', user.userId)
      .where('retired_at', 'is', null)
      .where('used_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
    expect(recoveryCodes).toHaveLength(10);
    expect((await call(app, 'DELETE', '/api/me/mfa/totp', { session: user.session })).statusCode).toBe(404);
  });

  it('replaces the session a browser already had when it signs in again', async () => {
    const user = await signUp(app, smtp);
    const again = sessionFrom(
      await call(app, 'POST', '/api/auth/login', {
        session: user.session,
        body: { email: user.email, password: user.password },
      }),
    );
    expect((await me(user.session)).statusCode).toBe(401);
    expect((await me(again)).statusCode).toBe(200);
    const reason = await testDb.database.db
      .selectFrom('sessions')
      .select('revoked_reason')
      .where('user_id', '=', user.userId)
      .where('revoked_at', 'is not', null)
      .execute();
    expect(reason).toEqual([{ revoked_reason: 'signed_in_again' }]);

    // With a second factor, the old session ends only when the new one starts.
    const { secret } = await enrolTotp(app, again, clock);
    const challenge = (
      await call(app, 'POST', '/api/auth/login', {
        session: again,
        body: { email: user.email, password: user.password },
      })
    ).json().challenge;
    expect((await me(again)).statusCode).toBe(200);
    const third = sessionFrom(
      await call(app, 'POST', '/api/auth/login/mfa', {
        session: again,
        body: { challenge, code: await nextTotp(secret, clock) },
      }),
    );
    expect((await me(again)).statusCode).toBe(401);
    expect((await me(third)).statusCode).toBe(200);
  });

  it('validates second-factor bodies and refuses unknown challenges without touching anything', async () => {
    for (const body of [
      {},
      { challenge: 'x' },
      { challenge: 'x', code: '12' },
      { challenge: 'x', code: '123456', extra: 1 },
      { challenge: '', code: '123456' },
    ]) {
      const answer = await call(app, 'POST', '/api/auth/login/mfa', { body });
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      expect(answer.json().error.code).toBe('validation_failed');
    }
    const unknown = await secondStep(app, 'A'.repeat(43), '123456');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('invalid_token');
    const user = await signUp(app, smtp);
    for (const body of [{}, { code: '1234567' }, { code: 'abc' }]) {
      const answer = await call(app, 'POST', '/api/me/mfa/totp/confirm', { session: user.session, body });
      expect(answer.statusCode).toBe(400);
    }
    // Confirming with nothing started is a conflict, not a crash.
    const nothing = await call(app, 'POST', '/api/me/mfa/totp/confirm', {
      session: user.session,
      body: { code: '123456' },
    });
    expect(nothing.statusCode).toBe(409);
    expect(
      (await call(app, 'POST', '/api/me/mfa/recovery-codes', { session: user.session })).statusCode,
    ).toBe(409);
    for (const [method, url] of [
      ['GET', '/api/me/mfa'],
      ['POST', '/api/me/mfa/totp'],
      ['POST', '/api/auth/reauthenticate'],
    ] as const) {
      // Signed out: 401 before the body is even looked at.
      expect((await call(app, method, url, { body: method === 'GET' ? undefined : {} })).statusCode).toBe(
        401,
      );
    }
  });
});

describe.each(DB_KINDS)('the per-account second-factor limit on %s', (kind) => {
  let smtp: SmtpCapture;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(
    kind,
    { now: clock.now, env: { LIMIT_MFA_ACCOUNT: '6/900s' } },
    (started) => ({ smtp, app } = started),
  );

  it('counts codes per account across challenges and addresses, and only for real challenges', async () => {
    const user = await signUp(app, smtp);
    const { secret } = await enrolTotp(app, user.session, clock); // 1 (the confirmation)
    // Unknown challenges cost the account nothing.
    for (let i = 0; i < 10; i++)
      expect((await secondStep(app, `${'B'.repeat(42)}${i}`, '123456')).statusCode).toBe(400);
    for (let i = 0; i < 5; i++) {
      const challenge = await passwordStep(app, user.email, user.password);
      expect((await secondStep(app, challenge, '000000')).statusCode).toBe(400); // 2 … 6
    }
    const challenge = await passwordStep(app, user.email, user.password);
    const limited = await secondStep(app, challenge, await nextTotp(secret, clock));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    const other = await signUp(app, smtp);
    const { secret: otherSecret } = await enrolTotp(app, other.session, clock);
    const otherChallenge = await passwordStep(app, other.email, other.password);
    expect((await secondStep(app, otherChallenge, await nextTotp(otherSecret, clock))).statusCode).toBe(200);
    // After the window the account's challenge (still open: the limit is not a wrong code) works.
    clock.advance(900_000);
    const fresh = await passwordStep(app, user.email, user.password);
    expect((await secondStep(app, fresh, await nextTotp(secret, clock))).statusCode).toBe(200);
  });
});
