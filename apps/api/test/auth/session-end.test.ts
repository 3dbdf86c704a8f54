import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { endSessions, endSessionsWithin } from '../../src/modules/auth/session-end.js';
import { createSession } from '../../src/modules/sessions/session.repository.js';
import { insertUser } from '../../src/modules/users/user.repository.js';
import type { BusEvent } from '../../src/platform/bus/event-bus.js';
import { channels } from '../../src/platform/bus/event-bus.js';
import { createLocalEventBus } from '../../src/platform/bus/local-event.bus.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('every session end goes through endSessions', () => {
  it('no module but session-end.ts revokes sessions (so none can skip the announcement)', () => {
    const callers = sourceFiles(srcDir)
      .filter((file) => /\brevokeSessions\b/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(srcDir, file));
    expect(callers.sort()).toEqual(['modules/auth/session-end.ts', 'modules/sessions/session.repository.ts']);
    // Whoever sets `revoked_at` in an UPDATE (the schema only declares its type).
    const writers = sourceFiles(srcDir)
      .filter((file) => /\brevoked_at: (?!DbTime)/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(srcDir, file));
    expect(writers).toEqual(['modules/sessions/session.repository.ts']);
  });
});

describe.each(DB_KINDS)('endSessions on %s', (kind) => {
  let testDb: TestDatabase;
  const bus = createLocalEventBus();
  const heard: BusEvent[] = [];
  bus.subscribe(channels.sessions, (event) => heard.push(event));
  const now = () => new Date();

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  async function userWithSessions(count: number): Promise<{ userId: string; sessionIds: string[] }> {
    const db = testDb.database.db;
    const userId = newId();
    await insertUser(db, {
      id: userId,
      email: `${userId.toLowerCase()}@example.com`,
      passwordHash: 'x',
      displayName: 'S',
      now: now(),
    });
    const sessionIds: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const row = await createSession(db, {
        userId,
        userAgent: 'ua',
        ip: '10.0.0.1',
        now: now(),
        lifetimeMs: 60_000,
      });
      sessionIds.push(row.id);
    }
    return { userId, sessionIds };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const live = async (userId: string) =>
    (
      await testDb.database.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute()
    ).map((row) => row.id);

  it('revokes and announces one session, all but one, or all, with the user and reason', async () => {
    const deps = { db: testDb.database.db, now, bus };
    const { userId, sessionIds } = await userWithSessions(4);
    const [s0, s1, s2, s3] = sessionIds as [string, string, string, string];
    heard.length = 0;
    expect(await endSessions(deps, { userId, sessionId: s0, reason: 'logout' })).toEqual([s0]);
    expect(await endSessions(deps, { userId, sessionId: s0, reason: 'logout' })).toEqual([]);
    expect(
      (await endSessions(deps, { userId, reason: 'password_changed', exceptSessionId: s3 })).sort(),
    ).toEqual([s1, s2].sort());
    expect(await live(userId)).toEqual([s3]);
    expect(await endSessions(deps, { userId, reason: 'operator' })).toEqual([s3]);
    await tick();
    expect(heard).toEqual([
      { kind: 'sessions_revoked', userId, reason: 'logout', sessionIds: [s0] },
      {
        kind: 'sessions_revoked',
        userId,
        reason: 'password_changed',
        sessionIds: expect.arrayContaining([s1, s2]),
      },
      { kind: 'sessions_revoked', userId, reason: 'operator', sessionIds: [s3] },
    ]);
    const reasons = await testDb.database.db
      .selectFrom('sessions')
      .select(['id', 'revoked_reason'])
      .where('user_id', '=', userId)
      .execute();
    expect(Object.fromEntries(reasons.map((r) => [r.id, r.revoked_reason]))).toEqual({
      [s0]: 'logout',
      [s1]: 'password_changed',
      [s2]: 'password_changed',
      [s3]: 'operator',
    });
  });

  it('inside a transaction announces only after commit, and nothing when it rolls back', async () => {
    const deps = { db: testDb.database.db, now, bus };
    const { userId, sessionIds } = await userWithSessions(2);
    heard.length = 0;
    await expect(
      endSessionsWithin(deps, async (_trx, end) => {
        expect(await end({ userId, reason: 'account_deleted' })).toHaveLength(2);
        throw new Error('something later failed');
      }),
    ).rejects.toThrow('something later failed');
    await tick();
    expect(heard).toEqual([]);
    expect((await live(userId)).sort()).toEqual([...sessionIds].sort());

    await endSessionsWithin(deps, async (_trx, end) => {
      await end({ userId, reason: 'account_deleted' });
      await tick();
      expect(heard).toEqual([]);
    });
    await tick();
    expect(heard).toHaveLength(1);
    expect(await live(userId)).toEqual([]);
  });
});
