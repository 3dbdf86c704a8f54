import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PwnedRangeServer, startPwnedRange } from '../../../../scripts/services/pwned-range.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, signUp, tokenFromEmail, uniqueEmail } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

/** Strong by every local rule (zxcvbn 4, on no list): only the breach corpus can refuse these. */
const BREACHED = 'lighthouse-meadow-quartz-71';
const PADDED = 'lighthouse-meadow-quartz-72';
const CLEAN = 'lighthouse-meadow-quartz-73';

const sha1 = (value: string) => createHash('sha1').update(value).digest('hex').toUpperCase();

interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

describe.each(DB_KINDS)('new passwords on %s', (kind) => {
  let smtp: SmtpCapture;
  let range: PwnedRangeServer;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const log: LogLine[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    range = await startPwnedRange();
    testDb = await createTestDatabase(kind, {
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'http://chat.northwind.test:8080',
        PWNED_PASSWORDS_URL: range.url,
        // Long enough for a loaded machine to answer the other cases; the hung case waits it out once.
        PWNED_PASSWORDS_TIMEOUT: '2s',
      },
    });
    app = await buildTestApp(testDb, {
      platformLog: {
        info: (obj, msg) => log.push({ level: 'info', obj, msg }),
        warn: (obj, msg) => log.push({ level: 'warn', obj, msg }),
        error: (obj, msg) => log.push({ level: 'error', obj, msg }),
      },
    });
    range.breach(BREACHED, 3_303_003);
    range.padWith(PADDED);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await range?.stop();
    await smtp?.stop();
  });
  beforeEach(() => {
    range.mode = 'normal';
    log.length = 0;
  });

  const register = (password: string, displayName = 'Ada Lovelace', email = uniqueEmail('pw')) =>
    call(app, 'POST', '/api/auth/register', { body: { email, password, displayName } });

  const unavailableWarnings = () =>
    log.filter((line) => line.level === 'warn' && /breached-password check unavailable/.test(line.msg));

  describe('breached-password check (Pwned Passwords range API, local stand-in)', () => {
    it('refuses a breached password at sign-up, sending only the first 5 hex characters of its SHA-1', async () => {
      const users = await countRows(testDb.database.db, 'users');
      const seen = range.requests.length;
      const response = await register(BREACHED);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        details: [
          {
            path: 'body.password',
            message: expect.stringMatching(/appeared in data breaches \(3,303,003 times\)/),
          },
        ],
      });
      expect(await countRows(testDb.database.db, 'users')).toBe(users);
      const asked = range.requests.slice(seen);
      expect(asked).toHaveLength(1);
      expect(asked[0]?.path).toBe(`/range/${sha1(BREACHED).slice(0, 5)}`);
      expect(asked[0]?.headers['add-padding']).toBe('true');
      expect(JSON.stringify(asked)).not.toContain(sha1(BREACHED).slice(5));
    });

    it('accepts a password the corpus does not hold, and one listed only as padding (count 0)', async () => {
      expect((await register(CLEAN)).statusCode).toBe(202);
      expect((await register(PADDED)).statusCode).toBe(202);
      expect(unavailableWarnings()).toEqual([]);
    });

    it('falls back to the local rules when the service hangs past the timeout, and logs it', async () => {
      range.mode = 'hang';
      // Breached, but the corpus cannot say so: fail-open.
      expect((await register(BREACHED)).statusCode).toBe(202);
      expect(unavailableWarnings()).toEqual([
        expect.objectContaining({ obj: expect.objectContaining({ reason: 'timed out' }) }),
      ]);
      // The local list still refuses what it knows.
      const common = await register('password1234');
      expect(common.statusCode).toBe(400);
      expect(common.json().error.details[0]).toMatchObject({
        path: 'body.password',
        message: /commonly used password/,
      });
    });

    it('falls back to the local rules when the service answers 5xx, and logs it', async () => {
      range.mode = { status: 503 };
      expect((await register(BREACHED)).statusCode).toBe(202);
      expect(unavailableWarnings()).toEqual([
        expect.objectContaining({ obj: expect.objectContaining({ reason: 'HTTP 503' }) }),
      ]);
    });

    it('checks the new password at change and at reset (before the link is spent)', async () => {
      const user = await signUp(app, smtp, { password: CLEAN });
      const change = await call(app, 'POST', '/api/auth/change-password', {
        session: user.session,
        body: { currentPassword: CLEAN, newPassword: BREACHED },
      });
      expect(change.statusCode).toBe(400);
      expect(change.json().error.details[0]).toMatchObject({ path: 'body.newPassword', message: /breaches/ });

      await call(app, 'POST', '/api/auth/forgot-password', { body: { email: user.email } });
      const mail = await smtp.waitFor(user.email, /Reset your Parley password/);
      const token = tokenFromEmail(mail.text, 'reset-password');
      const reset = await call(app, 'POST', '/api/auth/reset-password', {
        body: { token, password: BREACHED },
      });
      expect(reset.statusCode).toBe(400);
      expect(reset.json().error.details[0]).toMatchObject({ path: 'body.password', message: /breaches/ });
      // The link was not spent: a good password still works with it.
      const again = await call(app, 'POST', '/api/auth/reset-password', {
        body: { token, password: 'granite-orchard-lantern-9' },
      });
      expect(again.statusCode).toBe(204);
    });
  });

  describe('strength (zxcvbn score ≥ 3, the account and the site as context)', () => {
    it.each([
      ['aaaaaaaaaaaa', /Repeated characters/],
      ['correcthorsebatterystaple', /heavily used password/],
      ['asdfghjkl;lkjh', /keyboard patterns/],
      ['abcdefghijklmnop', /character sequences/],
    ])('refuses %s at sign-up with zxcvbn feedback', async (password, feedback) => {
      const response = await register(password);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(response.json().error.details).toEqual([
        { path: 'body.password', message: expect.stringMatching(feedback) },
      ]);
    });

    it('refuses a password equal to, or built from, the display name or the site host name', async () => {
      for (const password of ['Marguerite Oakhollow', 'margueriteoakhollow2026!', 'chat.northwind.test']) {
        const response = await register(password, 'Marguerite Oakhollow');
        expect(response.statusCode, password).toBe(400);
        expect(response.json().error.details[0].path).toBe('body.password');
      }
      // The same words are fine for someone else's account.
      expect((await register('Marguerite Oakhollow vineyard', 'Bob')).statusCode).toBe(202);
    });

    it('refuses the display name as the new password at change-password', async () => {
      const user = await signUp(app, smtp, { password: CLEAN, displayName: 'Theodora Quillfeather' });
      const response = await call(app, 'POST', '/api/auth/change-password', {
        session: user.session,
        body: { currentPassword: CLEAN, newPassword: 'Theodora Quillfeather' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.details[0].path).toBe('body.newPassword');
      await platformOf(app).mail.drain();
      expect(
        smtp.messages.filter((m) => m.to.includes(user.email) && /password was/.test(m.subject)),
      ).toEqual([]);
    });
  });
});
