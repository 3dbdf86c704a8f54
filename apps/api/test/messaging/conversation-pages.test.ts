import type { Conversation, ConversationList } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { toDbTime } from '../../src/db/time.js';
import { encodeListCursor } from '../../src/modules/conversations/list-cursor.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe.each(DB_KINDS)('GET /api/conversations pages on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, {
      // The test creates more conversations than one user may create per hour by default.
      env: { SMTP_URL: smtp.url, LIMIT_CONVERSATIONS_CREATED: '1000/3600s' },
    });
    app = await buildTestApp(testDb);
    [ada, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function page(session: Session, query = ''): Promise<ConversationList> {
    const response = await call(app, 'GET', `/api/conversations${query}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  /** Every page from the first, following nextCursor. */
  async function walk(session: Session, limit: number): Promise<Conversation[][]> {
    const pages: Conversation[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const result = await page(session, query);
      pages.push(result.conversations);
      cursor = result.nextCursor;
    } while (cursor && pages.length < 100);
    return pages;
  }

  async function setActivity(ids: readonly string[], at: Date): Promise<void> {
    await testDb.database.db
      .updateTable('conversations')
      .set({ updated_at: toDbTime(at) })
      .where('id', 'in', [...ids])
      .execute();
  }

  it('walks every conversation once, newest activity first, ties broken by id, with nextCursor null at the end', async () => {
    const created: Conversation[] = [];
    for (let i = 0; i < 7; i += 1) created.push(await createGroup(app, ada.session, `Page ${i}`, []));
    created.push(await createDirect(app, ada.session, bob.userId));
    // Four share one activity time, so pages must split a tie without skipping or repeating.
    const ids = created.map((c) => c.id);
    await setActivity(ids.slice(0, 4), new Date('2025-01-01T00:00:00Z'));
    await setActivity(ids.slice(4), new Date('2025-02-01T00:00:00Z'));

    const pages = await walk(ada.session, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    const listed = pages.flat();
    const expected = [...created]
      .map((c) => ({ id: c.id, at: ids.indexOf(c.id) < 4 ? 1 : 2 }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((c) => c.id);
    expect(listed.map((c) => c.id)).toEqual(expected);

    // New activity moves a conversation to the front of the first page.
    const oldest = expected.at(-1) as string;
    await send(app, ada.session, oldest, 'bump');
    const first = await page(ada.session, '?limit=3');
    expect(first.conversations[0]?.id).toBe(oldest);
    expect(first.conversations[0]?.lastMessage?.body).toBe('bump');
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it('pages 50 by default and never more than 100', async () => {
    const carl = await signUp(app, smtp, { displayName: 'Carl' });
    for (let i = 0; i < 55; i += 1) await createGroup(app, carl.session, `Many ${i}`, []);
    const first = await page(carl.session);
    expect(first.conversations).toHaveLength(50);
    const rest = await page(carl.session, `?cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(rest.conversations).toHaveLength(5);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.conversations, ...rest.conversations].map((c) => c.id)).size).toBe(55);
    expect((await page(carl.session, '?limit=100')).conversations).toHaveLength(55);
    for (const query of ['?limit=0', '?limit=101', '?limit=ten', '?limit=2.5', '?limit=5&extra=1']) {
      const response = await call(app, 'GET', `/api/conversations${query}`, { session: carl.session });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
  });

  it('refuses garbage and forged cursors with 400 and changes nothing', async () => {
    const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const valid = encodeListCursor({ updatedAt: '2025-01-01 00:00:00.000', id: 'abcDEF123_-' });
    const bad = [
      'not a cursor!',
      'x'.repeat(301),
      'abc',
      `${valid}A`,
      base64(['c2', '2025-01-01 00:00:00.000', 'abc']),
      base64(['c1', '2025-13-45 99:99:99.000', 'abc']),
      base64(['c1', '2025-01-01T00:00:00Z', 'abc']),
      base64(['c1', '2025-01-01 00:00:00.000', "x' OR 1=1 --"]),
      base64(['c1', '2025-01-01 00:00:00.000', 'abc', 'extra']),
      base64({ updatedAt: '2025-01-01 00:00:00.000', id: 'abc' }),
      Buffer.from('["c1",').toString('base64url'),
    ];
    for (const cursor of bad) {
      const response = await call(app, 'GET', `/api/conversations?cursor=${encodeURIComponent(cursor)}`, {
        session: ada.session,
      });
      expect(response.statusCode, cursor).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ path: 'querystring.cursor' })],
      });
    }
    // A well-formed position is only a place in the caller's own list: Bob sees his conversations only.
    const future = encodeListCursor({ updatedAt: '2999-01-01 00:00:00.000', id: 'zzzz' });
    const fromFuture = await page(bob.session, `?cursor=${future}`);
    expect(fromFuture.conversations.length).toBeGreaterThan(0);
    expect(fromFuture.conversations.every((c) => c.members.some((m) => m.id === bob.userId))).toBe(true);
  });
});
