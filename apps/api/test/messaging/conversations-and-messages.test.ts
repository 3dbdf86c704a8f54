import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, history, send } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe.each(DB_KINDS)('conversations and messages on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cyd: User;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    [ada, bob, cyd] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cyd' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('creates one direct conversation per pair; a repeat from either side returns it', async () => {
    const first = await call(app, 'POST', '/api/conversations', {
      session: ada.session,
      body: { type: 'direct', memberIds: [bob.userId] },
    });
    expect(first.statusCode).toBe(201);
    const again = await call(app, 'POST', '/api/conversations', {
      session: bob.session,
      body: { type: 'direct', memberIds: [ada.userId] },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(first.json()).toMatchObject({
      type: 'direct',
      title: null,
      lastSeq: 0,
      unreadCount: 0,
      lastMessage: null,
    });
    expect(
      first
        .json()
        .members.map((m: { displayName: string }) => m.displayName)
        .sort(),
    ).toEqual(['Ada', 'Bob']);
  });

  it('refuses a direct conversation with yourself or with unknown users', async () => {
    const self = await call(app, 'POST', '/api/conversations', {
      session: ada.session,
      body: { type: 'direct', memberIds: [ada.userId] },
    });
    expect(self.statusCode).toBe(400);
    const unknown = await call(app, 'POST', '/api/conversations', {
      session: ada.session,
      body: { type: 'group', title: 'G', memberIds: ['nobodyHere123'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toEqual([{ path: 'body.memberIds.0', message: 'unknown user' }]);
  });

  it('sends, pages history by seq, and keeps text exactly as sent', async () => {
    const group = await createGroup(app, ada.session, 'History', [bob.userId]);
    const texts = Array.from({ length: 7 }, (_, i) => `line ${i + 1}  \u{1F98A}\n\tend`);
    for (const text of texts) await send(app, ada.session, group.id, text);
    const latest = await history(app, bob.session, group.id, '?limit=3');
    expect(latest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(latest.hasMore).toBe(true);
    const older = await history(app, bob.session, group.id, '?before=5&limit=3');
    expect(older.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    const newer = await history(app, bob.session, group.id, '?after=5&limit=100');
    expect(newer.messages.map((m) => m.seq)).toEqual([6, 7]);
    expect(newer.hasMore).toBe(false);
    expect(latest.messages[2]?.body).toBe(texts[6]);
    const bad = await call(app, 'GET', `/api/conversations/${group.id}/messages?limit=101`, {
      session: ada.session,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('is idempotent by clientId: a retry returns the stored message, never a second one', async () => {
    const direct = await createDirect(app, ada.session, bob.userId);
    const clientId = randomUUID();
    const first = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId, body: 'once' },
    });
    const retry = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId, body: 'once' },
    });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(first.json());
    const concurrent = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
          session: ada.session,
          body: { clientId: concurrent, body: 'race' },
        }),
      ),
    );
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const rows = await testDb.database.db
      .selectFrom('messages')
      .select('id')
      .where('client_id', 'in', [clientId, concurrent])
      .execute();
    expect(rows).toHaveLength(2);
    // The same clientId in another conversation is a conflict, not a silent mix-up.
    const group = await createGroup(app, ada.session, 'Other', [bob.userId]);
    const reused = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
      session: ada.session,
      body: { clientId, body: 'x' },
    });
    expect(reused.statusCode).toBe(409);
  });

  it('assigns seq 1..n with no gaps or duplicates under concurrent senders', async () => {
    const group = await createGroup(app, ada.session, 'Race', [bob.userId, cyd.userId]);
    const senders = [ada, bob, cyd];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => send(app, (senders[i % 3] as User).session, group.id, `m${i}`)),
    );
    const rows = await testDb.database.db
      .selectFrom('messages')
      .select(['seq', 'rev'])
      .where('conversation_id', '=', group.id)
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => Number(r.rev))).size).toBe(60);
    const conversation = await call(app, 'GET', `/api/conversations/${group.id}`, { session: cyd.session });
    expect(conversation.json()).toMatchObject({ lastSeq: 60, lastRev: 60 });
  });

  it('rejects empty and whitespace-only bodies and bodies over 4,000 characters', async () => {
    const direct = await createDirect(app, ada.session, cyd.userId);
    for (const body of ['', '   \n\t ']) {
      const response = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
        session: ada.session,
        body: { clientId: randomUUID(), body },
      });
      expect(response.statusCode).toBe(400);
    }
    const long = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: '\u{1F600}'.repeat(4001) },
    });
    expect(long.statusCode).toBe(400);
    const max = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: '\u{1F600}'.repeat(4000) },
    });
    expect(max.statusCode).toBe(201);
  });

  it('edits and deletes: sender only; deletion leaves a tombstone and the row', async () => {
    const direct = await createDirect(app, bob.session, cyd.userId);
    const message = await send(app, bob.session, direct.id, 'draft');
    expect(
      (
        await call(app, 'PATCH', `/api/messages/${message.id}`, {
          session: cyd.session,
          body: { body: 'hijack' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call(app, 'PATCH', `/api/messages/${message.id}`, {
          session: ada.session,
          body: { body: 'hijack' },
        })
      ).statusCode,
    ).toBe(404);
    const edited = await call(app, 'PATCH', `/api/messages/${message.id}`, {
      session: bob.session,
      body: { body: 'final' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ body: 'final', seq: message.seq, editedAt: expect.any(String) });
    expect(edited.json().rev).toBeGreaterThan(message.rev);

    expect(
      (await call(app, 'DELETE', `/api/messages/${message.id}`, { session: cyd.session })).statusCode,
    ).toBe(403);
    expect(
      (await call(app, 'DELETE', `/api/messages/${message.id}`, { session: bob.session })).statusCode,
    ).toBe(204);
    const page = await history(app, cyd.session, direct.id);
    expect(page.messages[0]).toMatchObject({
      id: message.id,
      seq: message.seq,
      senderId: bob.userId,
      body: '',
      attachments: [],
      deletedAt: expect.any(String),
    });
    const row = await testDb.database.db
      .selectFrom('messages')
      .select(['body', 'deleted_at'])
      .where('id', '=', message.id)
      .executeTakeFirst();
    expect(row?.deleted_at).not.toBeNull();
    expect(
      (
        await call(app, 'PATCH', `/api/messages/${message.id}`, {
          session: bob.session,
          body: { body: 'again' },
        })
      ).statusCode,
    ).toBe(409);
  });

  it('moves read markers forward only and keeps unread counts exact', async () => {
    const group = await createGroup(app, ada.session, 'Unread', [bob.userId, cyd.userId]);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(app, (i % 2 ? ada : cyd).session, group.id, `u${i}`)),
    );
    await send(app, bob.session, group.id, 'mine');
    const list = async () =>
      (await call(app, 'GET', '/api/conversations', { session: bob.session }))
        .json()
        .conversations.find((c: { id: string }) => c.id === group.id);
    expect((await list()).unreadCount).toBe(10);
    expect(
      (
        await call(app, 'POST', `/api/conversations/${group.id}/read`, {
          session: bob.session,
          body: { seq: 6 },
        })
      ).statusCode,
    ).toBe(204);
    // Seq 7–10 are others' messages; seq 11 is Bob's own and never counts.
    expect((await list()).unreadCount).toBe(4);
    await call(app, 'POST', `/api/conversations/${group.id}/read`, {
      session: bob.session,
      body: { seq: 2 },
    });
    expect((await list()).lastReadSeq).toBe(6);
    await call(app, 'POST', `/api/conversations/${group.id}/read`, {
      session: bob.session,
      body: { seq: 10_000 },
    });
    expect(await list()).toMatchObject({ lastReadSeq: 11, unreadCount: 0, lastMessage: { body: 'mine' } });
  });

  it('lists conversations newest activity first', async () => {
    const one = await createGroup(app, cyd.session, 'First', [ada.userId]);
    const two = await createGroup(app, cyd.session, 'Second', [ada.userId]);
    await send(app, ada.session, one.id, 'bump');
    const ids = (await call(app, 'GET', '/api/conversations', { session: cyd.session }))
      .json()
      .conversations.map((c: { id: string }) => c.id);
    expect(ids.indexOf(one.id)).toBeLessThan(ids.indexOf(two.id));
  });

  it('manages group members: owner/admin rules, leaving, removal hides everything', async () => {
    const group = await createGroup(app, ada.session, 'Team', [bob.userId]);
    expect(
      (
        await call(app, 'POST', `/api/conversations/${group.id}/members`, {
          session: bob.session,
          body: { userId: cyd.userId },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call(app, 'POST', `/api/conversations/${group.id}/members`, {
          session: ada.session,
          body: { userId: cyd.userId },
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await call(app, 'POST', `/api/conversations/${group.id}/members`, {
          session: ada.session,
          body: { userId: cyd.userId },
        })
      ).statusCode,
    ).toBe(204);
    await send(app, cyd.session, group.id, 'hi all');
    expect(
      (
        await call(app, 'DELETE', `/api/conversations/${group.id}/members/${ada.userId}`, {
          session: bob.session,
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call(app, 'DELETE', `/api/conversations/${group.id}/members/${cyd.userId}`, {
          session: ada.session,
        })
      ).statusCode,
    ).toBe(204);
    for (const [method, url] of [
      ['GET', `/api/conversations/${group.id}`],
      ['GET', `/api/conversations/${group.id}/messages`],
    ] as const) {
      expect((await call(app, method, url, { session: cyd.session })).statusCode).toBe(404);
    }
    const denied = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
      session: cyd.session,
      body: { clientId: randomUUID(), body: 'still here?' },
    });
    expect(denied.statusCode).toBe(404);
    // The owner leaves: the longest-standing member becomes owner.
    expect(
      (
        await call(app, 'DELETE', `/api/conversations/${group.id}/members/${ada.userId}`, {
          session: ada.session,
        })
      ).statusCode,
    ).toBe(204);
    const after = (await call(app, 'GET', `/api/conversations/${group.id}`, { session: bob.session })).json();
    expect(after.members).toEqual([{ id: bob.userId, displayName: 'Bob', role: 'owner' }]);
    const rows = await testDb.database.db
      .selectFrom('conversation_members')
      .select(['user_id', 'left_at'])
      .where('conversation_id', '=', group.id)
      .execute();
    expect(rows).toHaveLength(3);
  });
});
