import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { call, login, type Session, sessionFrom, signUp, TestClock } from '../helpers/auth.js';
import { DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { enrolTotp, nextTotp, passwordStep } from '../helpers/mfa.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';

const SIX_MINUTES = 6 * 60 * 1000;

describe.each(DB_KINDS)('passkeys on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, testDb, app } = started));

  const authenticator = () =>
    new SoftAuthenticator(app.config.publicUrl.origin, app.config.publicUrl.hostname);
  const mfa = async (session: Session) => (await call(app, 'GET', '/api/me/mfa', { session })).json();
  const me = (session: Session) => call(app, 'GET', '/api/me', { session });

  /** Options, then the attestation: the raw answer of POST /api/me/passkeys. */
  async function register(session: Session, device: SoftAuthenticator, name = 'Laptop', ceremony = {}) {
    const options = await call(app, 'POST', '/api/me/passkeys/options', { session });
    expect(options.statusCode, options.body).toBe(200);
    const attestation = device.create(options.json(), ceremony);
    return call(app, 'POST', '/api/me/passkeys', { session, body: { name, attestation } });
  }

  async function passkeySignIn(device: SoftAuthenticator, ceremony = {}) {
    const options = await call(app, 'POST', '/api/auth/passkey/options');
    expect(options.statusCode, options.body).toBe(200);
    const assertion = device.get(options.json(), ceremony);
    return { assertion, response: await call(app, 'POST', '/api/auth/passkey', { body: { assertion } }) };
  }

  it('registers a passkey after a recent sign-in: discoverable, user verification required, listed, other sessions end', async () => {
    const user = await signUp(app, smtp);
    const other = await login(app, user.email);
    const device = authenticator();

    const options = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(options.statusCode, options.body).toBe(200);
    expect(options.json()).toMatchObject({
      rp: { name: 'Parley', id: app.config.publicUrl.hostname },
      user: { name: user.email, displayName: 'Test User' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    const attestation = device.create(options.json());
    const added = await call(app, 'POST', '/api/me/passkeys', {
      session: user.session,
      body: { name: '  Laptop  ', attestation },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toEqual({
      id: expect.any(String),
      name: 'Laptop',
      createdAt: expect.any(String),
      lastUsedAt: null,
    });
    expect((await mfa(user.session)).passkeys).toEqual([added.json()]);
    // The first second factor signs out the sessions that signed in with the password alone.
    expect((await me(other)).statusCode).toBe(401);
    await smtp.waitFor(user.email, /A passkey was added/);

    const row = await testDb.database.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', added.json().id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      user_id: user.userId,
      credential_id: attestation.id,
      counter: 0,
      device_type: 'singleDevice',
      backed_up: 0,
      transports: '["internal"]',
      removed_at: null,
    });

    // The same authenticator again is refused (the options also exclude it).
    const again = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(again.json().excludeCredentials).toEqual([
      { id: attestation.id, type: 'public-key', transports: ['internal'] },
    ]);
  });

  it('needs a recent authentication to start a registration, and refuses a wrong, reused, foreign or unverified attestation', async () => {
    const user = await signUp(app, smtp);
    const device = authenticator();
    clock.advance(SIX_MINUTES);
    const stale = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error.code).toBe('reauthentication_required');

    const session = await login(app, user.email);
    const options = (await call(app, 'POST', '/api/me/passkeys/options', { session })).json();
    // A challenge the server never issued.
    const forged = device.create(options, { challenge: 'bm90LWEtY2hhbGxlbmdlLWZyb20tdGhlLXNlcnZlcg' });
    const wrong = await call(app, 'POST', '/api/me/passkeys', {
      session,
      body: { name: 'Key', attestation: forged },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('invalid_token');
    // Another session of the same account cannot finish this session's registration.
    const elsewhere = await login(app, user.email);
    const stolen = await call(app, 'POST', '/api/me/passkeys', {
      session: elsewhere,
      body: { name: 'Key', attestation: device.create(options) },
    });
    expect(stolen.json().error?.code).toBe('invalid_token');
    // Without user verification: refused (and the challenge is spent).
    const options2 = (await call(app, 'POST', '/api/me/passkeys/options', { session })).json();
    const unverified = await call(app, 'POST', '/api/me/passkeys', {
      session,
      body: { name: 'Key', attestation: device.create(options2, { userVerified: false }) },
    });
    expect(unverified.statusCode).toBe(400);
    expect(unverified.json().error.details).toEqual([
      { path: 'body.attestation', message: 'could not be verified' },
    ]);
    const reused = await call(app, 'POST', '/api/me/passkeys', {
      session,
      body: { name: 'Key', attestation: device.create(options2) },
    });
    expect(reused.json().error.code).toBe('invalid_token');
    // From another origin: refused.
    const options3 = (await call(app, 'POST', '/api/me/passkeys/options', { session })).json();
    const foreign = await call(app, 'POST', '/api/me/passkeys', {
      session,
      body: { name: 'Key', attestation: device.create(options3, { origin: 'https://evil.example' }) },
    });
    expect(foreign.statusCode).toBe(400);
    expect((await mfa(session)).passkeys).toEqual([]);
    // Bad bodies change nothing.
    for (const body of [{}, { name: '', attestation: {} }, { name: 'x'.repeat(65), attestation: forged }]) {
      const bad = await call(app, 'POST', '/api/me/passkeys', { session, body });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
    }
  });

  it('signs in with a passkey alone; the challenge works once and a removed passkey no longer signs in', async () => {
    const user = await signUp(app, smtp);
    const device = authenticator();
    const added = await register(user.session, device);
    expect(added.statusCode, added.body).toBe(201);

    const { assertion, response } = await passkeySignIn(device);
    const session = sessionFrom(response);
    expect(response.json().user.id).toBe(user.userId);
    expect((await me(session)).statusCode).toBe(200);
    const listed = (await mfa(session)).passkeys[0];
    expect(listed.lastUsedAt).not.toBeNull();

    // The same assertion again: its challenge is spent.
    const replay = await call(app, 'POST', '/api/auth/passkey', { body: { assertion } });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('invalid_token');
    expect(replay.cookies).toEqual([]);
    // A challenge the server never issued.
    const forged = device.get({ challenge: 'c2VsZi1tYWRlLWNoYWxsZW5nZS10aGF0LW5vYm9keS1pc3N1ZWQ' });
    expect(
      (await call(app, 'POST', '/api/auth/passkey', { body: { assertion: forged } })).json().error.code,
    ).toBe('invalid_token');
    // Without user verification a passkey alone is not enough.
    const unverified = await passkeySignIn(device, { userVerified: false });
    expect(unverified.response.statusCode).toBe(401);
    expect(unverified.response.json().error.code).toBe('invalid_credentials');
    // An unknown credential.
    const stranger = authenticator();
    stranger.create({ challenge: 'AAAA', user: { id: 'dXNlcg' } });
    expect((await passkeySignIn(stranger)).response.statusCode).toBe(401);

    // Removing needs a recent authentication; then it is gone for good (the row stays, marked).
    clock.advance(SIX_MINUTES);
    const stale = await call(app, 'DELETE', `/api/me/passkeys/${listed.id}`, { session });
    expect(stale.statusCode).toBe(403);
    const fresh = (await passkeySignIn(device)).response;
    const current = sessionFrom(fresh);
    const removed = await call(app, 'DELETE', `/api/me/passkeys/${listed.id}`, { session: current });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await mfa(current)).passkeys).toEqual([]);
    const after = await passkeySignIn(device);
    expect(after.response.statusCode).toBe(401);
    const row = await testDb.database.db
      .selectFrom('passkeys')
      .select('removed_at')
      .where('id', '=', listed.id)
      .executeTakeFirstOrThrow();
    expect(row.removed_at).not.toBeNull();
    await smtp.waitFor(user.email, /A passkey was removed/);
  });

  it('renames and removes only the caller’s own passkeys: another user’s id is a 404', async () => {
    const alice = await signUp(app, smtp);
    const bob = await signUp(app, smtp);
    const aliceKey = (await register(alice.session, authenticator(), 'Phone')).json();
    const renamed = await call(app, 'PATCH', `/api/me/passkeys/${aliceKey.id}`, {
      session: alice.session,
      body: { name: 'Work phone' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id: aliceKey.id, name: 'Work phone' });
    expect((await mfa(alice.session)).passkeys[0].name).toBe('Work phone');

    for (const [method, body] of [
      ['PATCH', { name: 'Mine now' }],
      ['DELETE', undefined],
    ] as const) {
      const foreign = await call(app, method, `/api/me/passkeys/${aliceKey.id}`, {
        session: bob.session,
        body,
      });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe('not_found');
    }
    expect(
      (await call(app, 'DELETE', '/api/me/passkeys/nosuchpasskey', { session: alice.session })).statusCode,
    ).toBe(404);
    const empty = await call(app, 'PATCH', `/api/me/passkeys/${aliceKey.id}`, {
      session: alice.session,
      body: { name: '   ' },
    });
    expect(empty.statusCode).toBe(400);
    expect((await mfa(alice.session)).passkeys).toEqual([
      expect.objectContaining({ id: aliceKey.id, name: 'Work phone' }),
    ]);
  });

  it('caps live passkeys per account (MAX_PASSKEYS_PER_USER): refused at the start, and at the finish of a ceremony begun below the cap', async () => {
    const user = await signUp(app, smtp);
    const max = app.config.mfa.maxPasskeys;
    const refusal = { code: 'limit_reached', details: { limit: 'passkeys_per_user', max } };
    for (let i = 1; i < max; i += 1) {
      expect((await register(user.session, authenticator(), `Key ${i}`)).statusCode).toBe(201);
    }
    // Begun with one place left; another ceremony takes that place first.
    const early = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(early.statusCode, early.body).toBe(200);
    const last = (await register(user.session, authenticator(), 'Last')).json();
    const late = await call(app, 'POST', '/api/me/passkeys', {
      session: user.session,
      body: { name: 'Too many', attestation: authenticator().create(early.json()) },
    });
    expect(late.statusCode, late.body).toBe(409);
    expect(late.json().error).toMatchObject(refusal);
    const full = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    expect(full.statusCode, full.body).toBe(409);
    expect(full.json().error).toMatchObject(refusal);
    expect((await mfa(user.session)).passkeys).toHaveLength(max);
    // Removing one (soft delete) makes room again.
    const removed = await call(app, 'DELETE', `/api/me/passkeys/${last.id}`, { session: user.session });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await register(user.session, authenticator(), 'Again')).statusCode).toBe(201);
    expect((await mfa(user.session)).passkeys).toHaveLength(max);
  });

  it('answers the second step of a sign-in with a passkey, over that sign-in’s challenge only', async () => {
    const user = await signUp(app, smtp);
    const device = authenticator();
    expect((await register(user.session, device)).statusCode).toBe(201);
    // With a passkey, the password alone no longer signs in: the session that added it sets up TOTP too.
    expect(
      (
        await call(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })
      ).json(),
    ).toMatchObject({ mfaRequired: true, methods: ['passkey'] });
    const { secret } = await enrolTotp(app, user.session, clock);

    const login1 = await call(app, 'POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(login1.json()).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery', 'passkey'] });
    const challenge: string = login1.json().challenge;
    const options = await call(app, 'POST', '/api/auth/passkey/options', { body: { challenge } });
    expect(options.statusCode, options.body).toBe(200);
    expect(options.json().challenge).toBe(challenge);
    expect(options.json().allowCredentials).toHaveLength(1);

    // An assertion over some other challenge does not answer this one, and counts as a wrong answer.
    const other = device.get({ challenge: 'b3RoZXItY2hhbGxlbmdlLW9mLXNvbWUtb3RoZXItc2lnbi1pbg' });
    const wrong = await call(app, 'POST', '/api/auth/login/mfa', { body: { challenge, passkey: other } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual([{ path: 'body.passkey', message: 'could not be verified' }]);

    const assertion = device.get(options.json());
    const done = await call(app, 'POST', '/api/auth/login/mfa', { body: { challenge, passkey: assertion } });
    const session = sessionFrom(done);
    expect((await me(session)).statusCode).toBe(200);
    // The challenge is spent.
    const again = await call(app, 'POST', '/api/auth/login/mfa', {
      body: { challenge, passkey: device.get(options.json()) },
    });
    expect(again.json().error.code).toBe('invalid_token');
    // Someone else's passkey does not answer this account's challenge.
    const mallory = await signUp(app, smtp);
    const malloryDevice = authenticator();
    expect((await register(mallory.session, malloryDevice)).statusCode).toBe(201);
    const challenge2 = await passwordStep(app, user.email, user.password);
    const foreign = await call(app, 'POST', '/api/auth/login/mfa', {
      body: { challenge: challenge2, passkey: malloryDevice.get({ challenge: challenge2 }) },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.details[0].path).toBe('body.passkey');
    // The TOTP still works as before.
    const viaCode = await call(app, 'POST', '/api/auth/login/mfa', {
      body: { challenge: challenge2, code: await nextTotp(secret, clock) },
    });
    expect(viaCode.statusCode, viaCode.body).toBe(200);
  });

  it('refuses an assertion whose signature counter went backwards, and records it', async () => {
    const user = await signUp(app, smtp);
    const device = authenticator();
    expect((await register(user.session, device)).statusCode).toBe(201);
    expect((await passkeySignIn(device, { counter: 7 })).response.statusCode).toBe(200);
    const cloned = await passkeySignIn(device, { counter: 3 });
    expect(cloned.response.statusCode).toBe(401);
    expect((await passkeySignIn(device, { counter: 7 })).response.statusCode).toBe(401);
    const events = await testDb.database.db
      .selectFrom('auth_events')
      .select('type')
      .where('user_id', '=', user.userId)
      .where('type', '=', 'passkey_counter_regressed')
      .execute();
    expect(events).toHaveLength(2);
    const row = await testDb.database.db
      .selectFrom('passkeys')
      .select('counter')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(Number(row.counter)).toBe(7);
    // A higher counter works again.
    expect((await passkeySignIn(device, { counter: 8 })).response.statusCode).toBe(200);
  });

  it('re-authenticates with a passkey over a challenge of this session; the token is replaced', async () => {
    const user = await signUp(app, smtp);
    const device = authenticator();
    const added = (await register(user.session, device)).json();
    const session = sessionFrom((await passkeySignIn(device)).response);
    clock.advance(SIX_MINUTES);
    expect((await call(app, 'DELETE', `/api/me/passkeys/${added.id}`, { session })).statusCode).toBe(403);

    const options = await call(app, 'POST', '/api/auth/passkey/options', {
      session,
      body: { reauthenticate: true },
    });
    expect(options.statusCode, options.body).toBe(200);
    expect(options.json().allowCredentials).toEqual([
      { id: [...device.credentials.keys()][0], type: 'public-key', transports: ['internal'] },
    ]);
    // Signed out, there is no re-authentication to ask for.
    expect(
      (await call(app, 'POST', '/api/auth/passkey/options', { body: { reauthenticate: true } })).statusCode,
    ).toBe(401);
    // An assertion over a sign-in challenge is not a re-authentication.
    const signInOptions = (await call(app, 'POST', '/api/auth/passkey/options')).json();
    const misused = await call(app, 'POST', '/api/auth/reauthenticate', {
      session,
      body: { passkey: device.get(signInOptions) },
    });
    expect(misused.statusCode).toBe(400);
    expect(misused.json().error.details[0].path).toBe('body.passkey');

    const assertion = device.get(options.json());
    const reauth = await call(app, 'POST', '/api/auth/reauthenticate', {
      session,
      body: { passkey: assertion },
    });
    expect(reauth.statusCode, reauth.body).toBe(204);
    const cookie = reauth.cookies.find((c) => c.name.endsWith('parley_session'));
    expect(cookie).toBeDefined();
    const renewed: Session = {
      cookie: `${cookie?.name}=${cookie?.value}`,
      token: String(reauth.headers['x-parley-token']),
    };
    // The token the request carried no longer works; the new one carries the re-authentication.
    expect((await me(session)).statusCode).toBe(401);
    expect((await me(renewed)).statusCode).toBe(200);
    expect((await call(app, 'GET', '/api/me', { session: renewed, via: 'bearer' })).statusCode).toBe(200);
    // Reused assertion: refused.
    const replay = await call(app, 'POST', '/api/auth/reauthenticate', {
      session: renewed,
      body: { passkey: assertion },
    });
    expect(replay.statusCode).toBe(400);
    expect((await call(app, 'DELETE', `/api/me/passkeys/${added.id}`, { session: renewed })).statusCode).toBe(
      204,
    );
  });

  it('swaps the session token on a password re-authentication too: a token captured before cannot use it', async () => {
    const user = await signUp(app, smtp);
    const captured = user.session;
    clock.advance(SIX_MINUTES);
    const reauth = await call(app, 'POST', '/api/auth/reauthenticate', {
      session: user.session,
      body: { password: user.password },
    });
    expect(reauth.statusCode, reauth.body).toBe(204);
    const cookie = reauth.cookies.find((c) => c.name.endsWith('parley_session'));
    const fresh: Session = {
      cookie: `${cookie?.name}=${cookie?.value}`,
      token: String(reauth.headers['x-parley-token']),
    };
    expect(fresh.token).not.toBe(captured.token);
    for (const via of ['cookie', 'bearer'] as const) {
      const old = await call(app, 'POST', '/api/auth/logout-all', { session: captured, via });
      expect(old.statusCode).toBe(401);
    }
    // The session itself lives on under the new token (same session id in the list).
    const sessions = await call(app, 'GET', '/api/sessions', { session: fresh });
    expect(sessions.statusCode, sessions.body).toBe(200);
    expect(
      (await call(app, 'POST', '/api/auth/logout-all', { session: fresh, via: 'bearer' })).statusCode,
    ).toBe(204);
  });
});
