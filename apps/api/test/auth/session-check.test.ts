import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { fromDbTime } from '../../src/db/time.js';
import { SESSION_TOUCH_INTERVAL_MS } from '../../src/modules/auth/auth.constants.js';
import { rotateLocalKeyrings } from '../../src/platform/secrets/local-keyring.source.js';
import { platformOf } from '../helpers/app.js';
import { call, login, signUp, TestClock } from '../helpers/auth.js';
import { DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The session check of every request (ADR 0014): remembered token signatures, session reads shared by
 * the requests of one moment. Whatever is shared, each request must get its own user, and an end
 * committed before a request must refuse it.
 */
describe.each(DB_KINDS)('session checks on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();

  withMailApp(kind, { now: clock.now }, (started) => ({ smtp, testDb, app } = started));

  const me = (session: { cookie: string; token: string }, via: 'cookie' | 'bearer' = 'cookie') =>
    call(app, 'GET', '/api/me', { session, via });

  it('a burst over many sessions: each request gets its own user, and sessions ended before it are refused', async () => {
    const users: Awaited<ReturnType<typeof signUp>>[] = [];
    for (let i = 0; i < 6; i += 1) users.push(await signUp(app, smtp, { displayName: `Burst ${i}` }));
    const verify = vi.spyOn(platformOf(app).tokens, 'verify');

    const burst = () =>
      Promise.all(
        users.flatMap((user, i) =>
          [0, 1, 2, 3].map(async (n) => ({
            i,
            response: await me(user.session, n % 2 ? 'bearer' : 'cookie'),
          })),
        ),
      );
    for (const { i, response } of await burst()) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: users[i]?.userId, displayName: `Burst ${i}` });
    }
    // 24 requests, 6 tokens: each signature was checked once (the others were remembered).
    expect(verify.mock.calls.length).toBeLessThanOrEqual(6);

    for (const i of [0, 2, 4]) {
      const user = users[i];
      if (!user) throw new Error('missing user');
      expect((await call(app, 'POST', '/api/auth/logout', { session: user.session })).statusCode).toBe(204);
    }
    for (const { i, response } of await burst()) {
      if (i % 2 === 0) expect(response.statusCode).toBe(401);
      else expect(response.json()).toMatchObject({ id: users[i]?.userId });
    }
    verify.mockRestore();
  });

  it('a display name change shows on the very next request', async () => {
    const user = await signUp(app, smtp, { displayName: 'Before' });
    expect((await me(user.session)).json().displayName).toBe('Before');
    const renamed = await call(app, 'PATCH', '/api/me', {
      session: user.session,
      body: { displayName: 'After' },
    });
    expect(renamed.statusCode).toBe(200);
    expect((await me(user.session)).json().displayName).toBe('After');
  });

  it('still records last_seen_at once the touch interval has passed, for every session of a burst', async () => {
    const users = [await signUp(app, smtp), await signUp(app, smtp), await signUp(app, smtp)];
    const signedInAt = clock.now().getTime();
    clock.advance(SESSION_TOUCH_INTERVAL_MS + 1_000);
    const responses = await Promise.all(users.flatMap((u) => [me(u.session), me(u.session)]));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const rows = await testDb.database.db
      .selectFrom('sessions')
      .select(['user_id', 'last_seen_at'])
      .where(
        'user_id',
        'in',
        users.map((u) => u.userId),
      )
      .execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(new Date(fromDbTime(row.last_seen_at)).getTime()).toBeGreaterThanOrEqual(
        signedInAt + SESSION_TOUCH_INTERVAL_MS,
      );
    }
  });

  // Last: it retires the key every earlier session was signed with.
  it('a remembered token is refused at its next request once its signing key leaves the keyring', async () => {
    const user = await signUp(app, smtp);
    expect((await me(user.session)).statusCode).toBe(200);
    expect((await me(user.session)).statusCode).toBe(200);
    // Two rotations (`npm run keys:rotate`) far enough apart that the first key is past its retention.
    const file = testDb.config.secrets.file;
    await rotateLocalKeyrings(file, new Date(Date.now() + 60 * DAY_MS));
    await rotateLocalKeyrings(file, new Date(Date.now() + 120 * DAY_MS));
    expect((await me(user.session)).statusCode).toBe(401);
    expect((await me(user.session, 'bearer')).statusCode).toBe(401);
    // Signing in again gets a token of the current key.
    const again = await login(app, user.email, user.password);
    expect((await me(again)).statusCode).toBe(200);
  });
});
