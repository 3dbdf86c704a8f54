import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { moveUnverifiedPasswords } from '../../src/db/migrations/0004-registrations.js';
import { toDbTime } from '../../src/db/time.js';
import { newId } from '../../src/ids.js';
import { hashPassword } from '../../src/modules/auth/passwords/password-hasher.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, login, signUp, TestClock, tokenFromEmail, uniqueEmail } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

const VICTIM = 'victim-owns-this-inbox-1';
const VICTIM_AGAIN = 'victim-second-thought-2';
const ATTACKER = 'attacker-chose-this-3';
const HOUR = 60 * 60 * 1000;

/**
 * Issue 9 §1: an attacker who does not control an inbox registers its address too. Whatever the order of
 * registrations and whichever emailed link the inbox owner opens, the owner's password is the only one
 * that works afterwards, and no registration ever changes an account's password.
 */
describe.each(DB_KINDS)('unverified-account takeover on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  /** A second instance on the same database, as behind the load balancer. */
  let other: FastifyInstance;
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb, { now: clock.now });
    other = await buildTestApp(testDb, { now: clock.now });
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  /** Registers and returns the token of the link that this registration emailed to the inbox. */
  async function register(email: string, password: string, displayName: string): Promise<string> {
    const response = await call(app, 'POST', '/api/auth/register', {
      body: { email, password, displayName },
    });
    expect(response.statusCode, response.body).toBe(202);
    return tokenFromEmail((await smtp.waitFor(email, /Confirm your email/)).text, 'verify-email');
  }

  const verify = (token: string, password: string) =>
    call(app, 'POST', '/api/auth/verify-email', { body: { token, password } });

  const loginStatus = async (email: string, password: string) =>
    (await call(app, 'POST', '/api/auth/login', { body: { email, password } })).statusCode;

  async function accountRow(email: string) {
    return testDb.database.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'display_name', 'email_verified_at'])
      .where('email', '=', email)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
  }

  async function eventTypes(userId: string): Promise<string[]> {
    const rows = await testDb.database.db
      .selectFrom('auth_events')
      .select('type')
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => row.type).sort();
  }

  /** Every link in `tokens` is now dead: a clean 400 `invalid_token`, even with the right password. */
  async function expectDead(tokens: string[], password: string) {
    for (const token of tokens) {
      const response = await verify(token, password);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('invalid_token');
    }
  }

  it('attacker first: the inbox owner opens the attacker’s link, types their own password and owns the account', async () => {
    const email = uniqueEmail('victim');
    const attackerLink = await register(email, ATTACKER, 'Mallory');
    const victimLink = await register(email, VICTIM, 'Victim');

    // Neither registration chose the account's password; each registrant only hears "confirm first".
    expect((await accountRow(email)).password_hash).toBe('!unverified');
    expect(await loginStatus(email, ATTACKER)).toBe(403);
    expect(await loginStatus(email, VICTIM)).toBe(403);

    const verified = await verify(attackerLink, VICTIM);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().user).toMatchObject({ email, displayName: 'Victim', emailVerified: true });

    expect(await loginStatus(email, ATTACKER)).toBe(401);
    await login(app, email, VICTIM);
    await expectDead([victimLink, attackerLink], VICTIM);
    await expectDead([victimLink], ATTACKER);
    expect(await loginStatus(email, ATTACKER)).toBe(401);

    const { id } = await accountRow(email);
    expect(await eventTypes(id)).toEqual(
      [
        'register',
        'register_again',
        'email_verified',
        'login_failed',
        'login_succeeded',
        'login_failed',
      ].sort(),
    );
  });

  it('victim first: the newest link (the attacker’s) still activates only the victim’s registration', async () => {
    const email = uniqueEmail('victim');
    const victimLink = await register(email, VICTIM, 'Victim');
    const attackerLink = await register(email, ATTACKER, 'Mallory');

    // A typo is refused on the password field and does not spend the link.
    const typo = await verify(attackerLink, 'victim-owns-this-inbox-l');
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'body.password', message: expect.stringContaining('does not match') }],
    });
    expect((await accountRow(email)).email_verified_at).toBeNull();

    const verified = await verify(attackerLink, VICTIM);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().user.displayName).toBe('Victim');
    expect(await loginStatus(email, ATTACKER)).toBe(401);
    await login(app, email, VICTIM);
    await expectDead([victimLink, attackerLink], VICTIM);

    const { id } = await accountRow(email);
    expect(await eventTypes(id)).toEqual(
      [
        'register',
        'register_again',
        'email_verify_failed',
        'email_verified',
        'login_failed',
        'login_succeeded',
      ].sort(),
    );
  });

  it('interleaved re-registrations: whichever link the owner opens, only the owner’s password works', async () => {
    const order = [
      ['Mallory', ATTACKER],
      ['Victim', VICTIM],
      ['Mallory', 'attacker-second-try-4'],
      ['Mallory', 'attacker-third-try-5'],
    ] as const;
    for (let opened = 0; opened < order.length; opened += 1) {
      const email = uniqueEmail(`order${opened}`);
      const links: string[] = [];
      for (const [name, password] of order) links.push(await register(email, password, name));
      expect((await accountRow(email)).password_hash).toBe('!unverified');

      const token = links[opened] ?? '';
      const verified = await verify(token, VICTIM);
      expect(verified.statusCode, `link ${opened}: ${verified.body}`).toBe(200);
      expect(verified.json().user.displayName).toBe('Victim');
      for (const [, password] of order.filter(([name]) => name === 'Mallory')) {
        expect(await loginStatus(email, password)).toBe(401);
      }
      await login(app, email, VICTIM);
      await expectDead(links, VICTIM);

      const { id } = await accountRow(email);
      const events = await eventTypes(id);
      expect(events.filter((type) => type === 'register')).toHaveLength(1);
      expect(events.filter((type) => type === 'register_again')).toHaveLength(order.length - 1);
    }
  });

  it('an owner who registered twice activates the registration whose password they type; the other dies', async () => {
    const email = uniqueEmail('twice');
    const first = await register(email, VICTIM, 'First try');
    const attacker = await register(email, ATTACKER, 'Mallory');
    const second = await register(email, VICTIM_AGAIN, 'Second try');

    const verified = await verify(second, VICTIM);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().user.displayName).toBe('First try');
    await login(app, email, VICTIM);
    expect(await loginStatus(email, VICTIM_AGAIN)).toBe(401);
    expect(await loginStatus(email, ATTACKER)).toBe(401);
    await expectDead([first, attacker, second], VICTIM_AGAIN);
  });

  it('only the 5 newest pending registrations can be matched; an owner crowded out signs up again and wins', async () => {
    const email = uniqueEmail('crowded');
    const victimLink = await register(email, VICTIM, 'Victim');
    const flood: string[] = [];
    for (let i = 0; i < 5; i += 1) flood.push(await register(email, `${ATTACKER}-${i}`, 'Mallory'));
    // The owner's registration is sixth newest: neither verify nor login compares with it any more.
    const crowded = await verify(victimLink, VICTIM);
    expect(crowded.statusCode).toBe(400);
    expect(crowded.json().error.code).toBe('validation_failed');
    expect(await loginStatus(email, VICTIM)).toBe(401);
    expect(await loginStatus(email, `${ATTACKER}-0`)).toBe(403);

    const again = await register(email, VICTIM, 'Victim');
    expect((await verify(victimLink, VICTIM)).statusCode).toBe(200);
    for (let i = 0; i < 5; i += 1) expect(await loginStatus(email, `${ATTACKER}-${i}`)).toBe(401);
    await login(app, email, VICTIM);
    await expectDead([again, ...flood], VICTIM);
  });

  it('two activations racing with different links and passwords: exactly one wins, the other is a 400', async () => {
    const email = uniqueEmail('race');
    const one = await register(email, VICTIM, 'One');
    const two = await register(email, VICTIM_AGAIN, 'Two');
    const [a, b] = await Promise.all([verify(one, VICTIM), verify(two, VICTIM_AGAIN)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 400]);
    const loser = a.statusCode === 200 ? b : a;
    expect(loser.json().error.code).toBe('invalid_token');
    const [winner, lost] = a.statusCode === 200 ? [VICTIM, VICTIM_AGAIN] : [VICTIM_AGAIN, VICTIM];
    await login(app, email, winner);
    expect(await loginStatus(email, lost)).toBe(401);
    const registrations = await testDb.database.db
      .selectFrom('registrations')
      .innerJoin('users', 'users.id', 'registrations.user_id')
      .select(['registrations.activated_at', 'registrations.superseded_at'])
      .where('users.email', '=', email)
      .execute();
    expect(registrations.filter((r) => r.activated_at !== null)).toHaveLength(1);
    expect(registrations.filter((r) => r.superseded_at !== null)).toHaveLength(1);
  });

  it('stale links fail cleanly: expired, used, or issued before the account was activated', async () => {
    const email = uniqueEmail('stale');
    const expired = await register(email, VICTIM, 'Victim');
    clock.advance(24 * HOUR + 60_000);
    await expectDead([expired], VICTIM);
    // A resend gives a fresh link that still activates the pending registration.
    expect((await call(app, 'POST', '/api/auth/resend-verification', { body: { email } })).statusCode).toBe(
      202,
    );
    const fresh = tokenFromEmail((await smtp.waitFor(email, /Confirm your email/)).text, 'verify-email');
    const attackerLink = await register(email, ATTACKER, 'Mallory');
    expect((await verify(fresh, VICTIM)).statusCode).toBe(200);
    await expectDead([fresh, attackerLink], VICTIM);
    // Garbage and another purpose's token are refused the same way.
    await expectDead(['v4.public.not-a-token'], VICTIM);
    await expectDead([(await signUp(app, smtp)).session.token], VICTIM);
  });

  it('a password reset of an unverified account ends every pending registration', async () => {
    const email = uniqueEmail('reset');
    const victimLink = await register(email, VICTIM, 'Victim');
    const attackerLink = await register(email, ATTACKER, 'Mallory');
    expect((await call(app, 'POST', '/api/auth/forgot-password', { body: { email } })).statusCode).toBe(202);
    const reset = tokenFromEmail(
      (await smtp.waitFor(email, /Reset your Parley password/)).text,
      'reset-password',
    );
    const done = await call(app, 'POST', '/api/auth/reset-password', {
      body: { token: reset, password: 'chosen-by-the-inbox-6' },
    });
    expect(done.statusCode, done.body).toBe(204);
    await login(app, email, 'chosen-by-the-inbox-6');
    for (const password of [VICTIM, ATTACKER]) expect(await loginStatus(email, password)).toBe(401);
    await expectDead([victimLink, attackerLink], ATTACKER);
  });

  it('registering a verified address changes nothing and sends one notice per address per hour, across instances', async () => {
    const owner = await signUp(app, smtp);
    const before = await accountRow(owner.email);
    const attempts = [app, other, app, other, app];
    for (const [i, instance] of attempts.entries()) {
      const response = await call(instance, 'POST', '/api/auth/register', {
        body: { email: owner.email, password: `${ATTACKER}-${i}`, displayName: 'Mallory' },
      });
      expect(response.statusCode).toBe(202);
    }
    const notices = async () => {
      await Promise.all([platformOf(app).mail.drain(), platformOf(other).mail.drain()]);
      return smtp.messages.filter(
        (m) => m.to.includes(owner.email) && /Someone tried to sign up/.test(m.subject),
      );
    };
    expect(await notices()).toHaveLength(1);

    // No registration touched the account: same password hash and name, attacker refused, owner fine.
    const after = await accountRow(owner.email);
    expect(after).toEqual(before);
    for (let i = 0; i < attempts.length; i += 1)
      expect(await loginStatus(owner.email, `${ATTACKER}-${i}`)).toBe(401);
    await login(app, owner.email, owner.password);
    const events = await eventTypes(owner.userId);
    expect(events.filter((type) => type === 'register_existing')).toHaveLength(attempts.length);
    const pending = await testDb.database.db
      .selectFrom('registrations')
      .select('id')
      .where('user_id', '=', owner.userId)
      .where('activated_at', 'is', null)
      .execute();
    expect(pending).toEqual([]);

    // Within the hour: still one. After it: one more, whichever instance answers.
    clock.advance(HOUR - 60_000);
    await call(other, 'POST', '/api/auth/register', {
      body: { email: owner.email, password: ATTACKER, displayName: 'Mallory' },
    });
    expect(await notices()).toHaveLength(1);
    clock.advance(60_000);
    await call(other, 'POST', '/api/auth/register', {
      body: { email: owner.email, password: ATTACKER, displayName: 'Mallory' },
    });
    expect(await notices()).toHaveLength(2);
    // The limit is per address: another verified account still hears at once.
    const neighbour = await signUp(app, smtp);
    await call(app, 'POST', '/api/auth/register', {
      body: { email: neighbour.email, password: ATTACKER, displayName: 'Mallory' },
    });
    await smtp.waitFor(neighbour.email, /Someone tried to sign up/);
  });

  it('an account left unverified by the old sign-up (password on the account) still verifies after migration 0004', async () => {
    const email = uniqueEmail('legacy');
    const id = newId();
    const now = toDbTime(clock.now());
    const db = testDb.database.db;
    await db
      .insertInto('users')
      .values({
        id,
        email,
        password_hash: await hashPassword(VICTIM),
        display_name: 'Legacy',
        email_verified_at: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
    await moveUnverifiedPasswords(db);
    await moveUnverifiedPasswords(db);
    expect((await accountRow(email)).password_hash).toBe('!unverified');
    expect(await loginStatus(email, VICTIM)).toBe(403);

    expect((await call(app, 'POST', '/api/auth/resend-verification', { body: { email } })).statusCode).toBe(
      202,
    );
    const link = tokenFromEmail((await smtp.waitFor(email, /Confirm your email/)).text, 'verify-email');
    const verified = await verify(link, VICTIM);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().user).toMatchObject({ id, displayName: 'Legacy' });
    await login(app, email, VICTIM);
  });
});
