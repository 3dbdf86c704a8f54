import { randomUUID } from 'node:crypto';
import type { Conversation, Message } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, history, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe.each(DB_KINDS)('mentions on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cyd: User;
  let dee: User;
  const open: WsClient[] = [];

  function sendWith(session: Session, conversationId: string, body: string, mentionIds: unknown) {
    return call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session,
      body: { clientId: randomUUID(), body, mentionIds },
    });
  }
  async function mention(session: Session, conversationId: string, body: string, mentionIds: string[]) {
    const response = await sendWith(session, conversationId, body, mentionIds);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Message;
  }
  async function conversation(session: Session, id: string): Promise<Conversation> {
    const response = await call(app, 'GET', `/api/conversations/${id}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
  async function listed(session: Session, id: string): Promise<Conversation | undefined> {
    const response = await call(app, 'GET', '/api/conversations?limit=100', { session });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json().conversations as Conversation[]).find((c) => c.id === id);
  }
  async function markRead(session: Session, id: string, seq: number) {
    const response = await call(app, 'POST', `/api/conversations/${id}/read`, { session, body: { seq } });
    expect(response.statusCode, response.body).toBe(204);
  }
  async function tab(user: User): Promise<WsClient> {
    const client = await connectWs(app, { cookie: user.session.cookie });
    open.push(client);
    await client.next('ready');
    return client;
  }

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob, cyd, dee] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cyd' }),
      signUp(app, smtp, { displayName: 'Dee' }),
    ]);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('stores members mentioned once each and shows them on the message, in history and on the socket', async () => {
    const group = await createGroup(app, ada.session, 'Mentions', [bob.userId, cyd.userId]);
    const b = await tab(bob);
    const sent = await mention(ada.session, group.id, '@Bob @Cyd @Bob', [cyd.userId, bob.userId, bob.userId]);
    const both = [bob.userId, cyd.userId].sort();
    expect(sent.mentionIds).toEqual(both);
    expect((await b.next('message', (f) => f.message.id === sent.id)).message.mentionIds).toEqual(both);
    const page = await history(app, bob.session, group.id);
    expect(page.messages.find((m) => m.id === sent.id)?.mentionIds).toEqual(both);
    // One row per person, with the message's conversation and seq for the unread index.
    const rows = await testDb.database.db
      .selectFrom('message_mentions')
      .selectAll()
      .where('message_id', '=', sent.id)
      .execute();
    expect(rows.map((r) => [r.user_id, r.conversation_id, Number(r.seq)]).sort()).toEqual(
      both.map((id) => [id, group.id, sent.seq]),
    );
    // A message without mentions has an empty list; so does the conversation's last message.
    const plain = await send(app, ada.session, group.id, 'no one');
    expect(plain.mentionIds).toEqual([]);

    // Over the socket: the ack carries them, and a retry of the clientId returns them as stored.
    const clientId = randomUUID();
    b.send({ type: 'send', conversationId: group.id, clientId, body: '@Ada', mentionIds: [ada.userId] });
    const ack = await b.next('ack', (f) => f.clientId === clientId);
    expect(ack.message.mentionIds).toEqual([ada.userId]);
    const retry = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
      session: bob.session,
      body: { clientId, body: '@Ada', mentionIds: [ada.userId] },
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().mentionIds).toEqual([ada.userId]);
  });

  it('refuses anyone who is not a member now, unknown ids and malformed lists, storing nothing', async () => {
    const group = await createGroup(app, ada.session, 'Members only', [bob.userId, cyd.userId]);
    await call(app, 'DELETE', `/api/conversations/${group.id}/members/${cyd.userId}`, {
      session: ada.session,
    });
    const messagesBefore = await countRows(testDb.database.db, 'messages');
    const mentionsBefore = await countRows(testDb.database.db, 'message_mentions');
    // Not a member (dee), a former member (cyd), an id of no one: the same answer, naming the field.
    for (const ids of [[dee.userId], [bob.userId, cyd.userId], ['noSuchUser12345']]) {
      const response = await sendWith(ada.session, group.id, 'hello', ids);
      expect(response.statusCode, JSON.stringify(ids)).toBe(400);
      expect(response.json().error).toEqual({
        code: 'validation_failed',
        message: 'Request is not valid',
        details: [{ path: 'body.mentionIds', message: 'must be members of this conversation' }],
      });
    }
    // Wrong types and too many: refused by the schema.
    const tooMany = Array.from({ length: 51 }, () => bob.userId);
    for (const bad of ['bob', [42], [null], [{}], ['not an id!'], tooMany]) {
      const response = await sendWith(ada.session, group.id, 'hello', bad);
      expect(response.statusCode, JSON.stringify(bad).slice(0, 40)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
    // The socket answers the same, naming the clientId.
    const a = await tab(ada);
    const clientId = randomUUID();
    a.send({ type: 'send', conversationId: group.id, clientId, body: 'x', mentionIds: [dee.userId] });
    const error = await a.next('error', (f) => f.clientId === clientId);
    expect(error.error.code).toBe('validation_failed');
    a.send({ type: 'send', conversationId: group.id, clientId: randomUUID(), body: 'x', mentionIds: [7] });
    expect((await a.next('error')).error.code).toBe('validation_failed');
    expect(await countRows(testDb.database.db, 'messages')).toBe(messagesBefore);
    expect(await countRows(testDb.database.db, 'message_mentions')).toBe(mentionsBefore);
    // A non-member sending learns nothing: 404 before any mention check.
    expect((await sendWith(dee.session, group.id, 'hi', [ada.userId])).statusCode).toBe(404);
  });

  it('counts unread mentions per conversation: not own, not deleted, reset by reading', async () => {
    const group = await createGroup(app, ada.session, 'Counts', [bob.userId, cyd.userId]);
    const direct = await createDirect(app, ada.session, bob.userId);
    await mention(ada.session, group.id, '@Bob one', [bob.userId]);
    const two = await mention(cyd.session, group.id, '@Bob @Ada two', [bob.userId, ada.userId]);
    await send(app, ada.session, group.id, 'not a mention');
    await mention(ada.session, direct.id, '@Bob in direct', [bob.userId]);
    // Bob mentioning himself is no mention to him.
    await mention(bob.session, group.id, '@Bob myself', [bob.userId]);

    expect(await conversation(bob.session, group.id)).toMatchObject({ unreadCount: 3, mentionCount: 2 });
    expect(await listed(bob.session, group.id)).toMatchObject({ mentionCount: 2 });
    expect(await listed(bob.session, direct.id)).toMatchObject({ unreadCount: 1, mentionCount: 1 });
    expect(await conversation(ada.session, group.id)).toMatchObject({ mentionCount: 1 });
    expect(await conversation(cyd.session, group.id)).toMatchObject({ mentionCount: 0 });

    // A deleted message no longer counts.
    await call(app, 'DELETE', `/api/messages/${two.id}`, { session: cyd.session });
    expect(await conversation(bob.session, group.id)).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    expect(await conversation(ada.session, group.id)).toMatchObject({ mentionCount: 0 });

    // Reading past a mention resets it; a newer one counts again.
    await markRead(bob.session, group.id, two.seq);
    expect(await conversation(bob.session, group.id)).toMatchObject({ mentionCount: 0 });
    const later = await mention(ada.session, group.id, '@Bob again', [bob.userId]);
    expect(await listed(bob.session, group.id)).toMatchObject({ mentionCount: 1 });
    await markRead(bob.session, group.id, later.seq);
    expect(await listed(bob.session, group.id)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('keeps mentions fixed at send: an edit keeps them, a delete hides them', async () => {
    const group = await createGroup(app, ada.session, 'Edits', [bob.userId]);
    const sent = await mention(ada.session, group.id, '@Bob hi', [bob.userId]);
    const edited = await call(app, 'PATCH', `/api/messages/${sent.id}`, {
      session: ada.session,
      body: { body: 'hi (no name any more)' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().mentionIds).toEqual([bob.userId]);
    await call(app, 'DELETE', `/api/messages/${sent.id}`, { session: ada.session });
    const page = await history(app, bob.session, group.id);
    expect(page.messages.find((m) => m.id === sent.id)?.mentionIds).toEqual([]);
  });

  it('replays mentions to a resuming socket', async () => {
    const group = await createGroup(app, ada.session, 'Resume', [bob.userId, cyd.userId]);
    const seen = await send(app, ada.session, group.id, 'before');
    const missed = await mention(ada.session, group.id, '@Bob @Cyd while away', [bob.userId, cyd.userId]);
    const b = await tab(bob);
    b.send({ type: 'resume', positions: { [group.id]: { seq: seen.seq, rev: seen.rev } } });
    const replayed = await b.next('message', (f) => f.message.id === missed.id);
    await b.next('resumed');
    expect(replayed.message.mentionIds).toEqual([bob.userId, cyd.userId].sort());
  });
});
