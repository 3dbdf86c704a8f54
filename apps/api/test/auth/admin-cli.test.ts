import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { type AdminContext, runAdminCommand } from '../../src/cli/admin-commands.js';
import { platformOf } from '../helpers/app.js';
import { call, login, type Session, signUp, TestClock } from '../helpers/auth.js';
import { DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { enrolTotp, passwordStep } from '../helpers/mfa.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';

const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../..', import.meta.url));

describe.each(DB_KINDS)('npm run admin on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, testDb, app } = started));

  /** Runs a command in this process over the test's database, bus and mail; its status and output. */
  async function admin(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const platform = platformOf(app);
    const ctx: AdminContext = {
      db: testDb.database.db,
      bus: platform.bus,
      mail: platform.mail,
      now: clock.now,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    };
    const status = await runAdminCommand(ctx, args);
    return { status, out: out.join('\n'), err: err.join('\n') };
  }

  /** The real entry point, from source, as `npm run admin -- …` runs it (compiled) in production. */
  function adminProcess(...args: string[]) {
    return run(
      process.execPath,
      ['--conditions=parley-source', '--import', 'tsx', 'src/cli/admin.ts', ...args],
      {
        cwd: apiDir,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: testDb.config.database.url,
          DATA_DIR: testDb.config.dataDir,
          SMTP_URL: smtp.url,
          LOG_LEVEL: 'silent',
        },
      },
    );
  }

  const status = async (session: Session) => (await call(app, 'GET', '/api/me', { session })).statusCode;
  const events = async (userId: string, type: string) =>
    testDb.database.db
      .selectFrom('auth_events')
      .select(['type', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .where('type', '=', type)
      .execute();

  it('shows a user: account, second factors and live sessions, no secrets', async () => {
    const user = await signUp(app, smtp, { displayName: 'Shown User' });
    await login(app, user.email);
    const { secret } = await enrolTotp(app, user.session, clock);
    const shown = await admin('show-user', user.email.toUpperCase());
    expect(shown.status).toBe(0);
    expect(shown.out).toContain(`id           ${user.userId}`);
    expect(shown.out).toContain('name         Shown User');
    expect(shown.out).toContain('two-step     authenticator app; 10 recovery code(s) left');
    // Enrolling ended the other session: one live.
    expect(shown.out).toContain('sessions     1 live');
    expect(shown.out).not.toContain(secret);
    expect(shown.out).not.toContain('argon2');
  });

  it('revokes one account’s sessions and every account’s sessions, audited', async () => {
    const [a, b] = [await signUp(app, smtp), await signUp(app, smtp)];
    const a2 = await login(app, a.email);
    const one = await admin('revoke-sessions', a.email);
    expect(one).toMatchObject({ status: 0, out: expect.stringContaining('ended 2 session(s)') });
    expect([await status(a.session), await status(a2), await status(b.session)]).toEqual([401, 401, 200]);
    expect(await events(a.userId, 'operator_revoked_sessions')).toEqual([
      { type: 'operator_revoked_sessions', ip: 'cli', user_agent: 'npm run admin -- revoke-sessions' },
    ]);

    const again = await login(app, a.email);
    const all = await admin('revoke-all-sessions');
    expect(all.status).toBe(0);
    expect(all.out).toMatch(/^ended \d+ session\(s\) of \d+ account\(s\)$/);
    expect([await status(again), await status(b.session)]).toEqual([401, 401]);
    expect(await events(b.userId, 'operator_revoked_all_sessions')).toHaveLength(1);
    const live = await testDb.database.db
      .selectFrom('sessions')
      .select('id')
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
  });

  it('turns a lost second factor off: sessions end, the user is emailed, the password alone signs in', async () => {
    const user = await signUp(app, smtp);
    const { recoveryCodes } = await enrolTotp(app, user.session, clock);
    // A passkey too: the operator's reset removes every factor.
    const device = new SoftAuthenticator(app.config.publicUrl.origin, app.config.publicUrl.hostname);
    const options = await call(app, 'POST', '/api/me/passkeys/options', { session: user.session });
    const added = await call(app, 'POST', '/api/me/passkeys', {
      session: user.session,
      body: { name: 'Lost phone', attestation: device.create(options.json()) },
    });
    expect(added.statusCode, added.body).toBe(201);
    await passwordStep(app, user.email, user.password);
    const done = await admin('disable-mfa', user.email);
    expect(done).toMatchObject({ status: 0, out: expect.stringContaining('turned off two-step sign-in') });
    expect(await status(user.session)).toBe(401);
    await smtp.waitFor(user.email, /Two-step sign-in was turned off/);
    expect(await events(user.userId, 'operator_disabled_mfa')).toEqual([
      { type: 'operator_disabled_mfa', ip: 'cli', user_agent: 'npm run admin -- disable-mfa' },
    ]);
    const session = await login(app, user.email);
    expect(await status(session)).toBe(200);
    expect((await call(app, 'GET', '/api/me/mfa', { session })).json()).toEqual({
      totp: false,
      passkeys: [],
      recoveryCodesLeft: 0,
    });
    // The recovery codes died with it.
    const live = await testDb.database.db
      .selectFrom('recovery_codes')
      .select('id')
      .where('user_id', '=', user.userId)
      .where('used_at', 'is', null)
      .where('retired_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
    expect(recoveryCodes).toHaveLength(10);
    // The passkey is kept, marked removed, and signs nobody in.
    const passkey = await testDb.database.db
      .selectFrom('passkeys')
      .select('removed_at')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(passkey.removed_at).not.toBeNull();
    const signInOptions = (await call(app, 'POST', '/api/auth/passkey/options')).json();
    const refused = await call(app, 'POST', '/api/auth/passkey', {
      body: { assertion: device.get(signInOptions) },
    });
    expect(refused.statusCode).toBe(401);
  });

  it('says what is wrong with a bad command, a bad address or an unknown account', async () => {
    expect(await admin()).toMatchObject({ status: 2, err: expect.stringContaining('usage: npm run admin') });
    expect(await admin('drop-everything')).toMatchObject({ status: 2 });
    expect(await admin('show-user', 'not-an-email')).toMatchObject({ status: 2 });
    expect(await admin('revoke-all-sessions', 'extra')).toMatchObject({ status: 2 });
    expect(await admin('disable-mfa', 'nobody@example.com')).toMatchObject({
      status: 1,
      err: 'no account with the email nobody@example.com',
    });
  });

  it('runs as its own process on the configured database (disable-mfa, then show-user)', async () => {
    const user = await signUp(app, smtp);
    await enrolTotp(app, user.session, clock);
    const disabled = await adminProcess('disable-mfa', user.email);
    expect(disabled.stdout).toContain(`turned off two-step sign-in of user ${user.userId}`);
    // No Redis here: the CLI says how the sockets will close.
    expect(disabled.stdout).toContain('no REDIS_URL');
    await smtp.waitFor(user.email, /Two-step sign-in was turned off/);
    expect(await status(user.session)).toBe(401);
    const shown = await adminProcess('show-user', user.email);
    expect(shown.stdout).toContain('two-step     off');
    await expect(adminProcess('show-user', 'nobody@example.com')).rejects.toMatchObject({ code: 1 });
  });
});
