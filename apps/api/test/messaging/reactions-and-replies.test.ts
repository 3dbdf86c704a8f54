import { randomUUID } from 'node:crypto';
import type { Message, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, history, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** The per-user reaction allowance of this file's app: every test but the limit's stays well under it. */
const REACTION_LIMIT = 20;

const reactionUrl = (messageId: string, emoji: string) =>
  `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

describe.each(DB_KINDS)('reactions and replies on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cyd: User;
  const open: WsClient[] = [];

  const react = (session: Session, messageId: string, emoji: string) =>
    call(app, 'PUT', reactionUrl(messageId, emoji), { session });
  const unreact = (session: Session, messageId: string, emoji: string) =>
    call(app, 'DELETE', reactionUrl(messageId, emoji), { session });

  /** The message as a member reads it now (history around its seq). */
  async function read(session: Session, message: Message): Promise<Message> {
    const page = await history(app, session, message.conversationId, `?around=${message.seq}&limit=1`);
    const found = page.messages.find((m) => m.id === message.id);
    if (!found) throw new Error(`message ${message.id} not in history`);
    return found;
  }
  async function lastRev(session: Session, conversationId: string): Promise<number> {
    const response = await call(app, 'GET', `/api/conversations/${conversationId}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().lastRev;
  }
  async function tab(user: User): Promise<WsClient> {
    const client = await connectWs(app, { cookie: user.session.cookie });
    open.push(client);
    await client.next('ready');
    return client;
  }
  async function sendReply(session: Session, conversationId: string, body: string, replyToId: string) {
    return call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session,
      body: { clientId: randomUUID(), body, replyToId },
    });
  }

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, {
      env: { SMTP_URL: smtp.url, LIMIT_REACTIONS: `${REACTION_LIMIT}/60s` },
    });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob, cyd] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cyd' }),
    ]);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  describe('reactions', () => {
    it('toggles per user: adding twice is one reaction, counts say who, removing is idempotent', async () => {
      const group = await createGroup(app, ada.session, 'Toggle', [bob.userId, cyd.userId]);
      const message = await send(app, ada.session, group.id, 'react to me');
      expect(message.reactions).toEqual([]);

      expect((await react(bob.session, message.id, '👍')).statusCode).toBe(204);
      const revAfterFirst = await lastRev(ada.session, group.id);
      // The same reaction again changes nothing: no new rev, no second row.
      expect((await react(bob.session, message.id, '👍')).statusCode).toBe(204);
      expect(await lastRev(ada.session, group.id)).toBe(revAfterFirst);
      expect((await react(ada.session, message.id, '👍')).statusCode).toBe(204);
      expect((await react(cyd.session, message.id, '🎉')).statusCode).toBe(204);

      const reacted = await read(cyd.session, message);
      expect(reacted.reactions).toEqual([
        { emoji: '👍', count: 2, userIds: [bob.userId, ada.userId] },
        { emoji: '🎉', count: 1, userIds: [cyd.userId] },
      ]);
      expect(reacted.rev).toBe(await lastRev(ada.session, group.id));

      expect((await unreact(bob.session, message.id, '👍')).statusCode).toBe(204);
      const revAfterRemove = await lastRev(ada.session, group.id);
      expect((await unreact(bob.session, message.id, '👍')).statusCode).toBe(204);
      expect((await unreact(bob.session, message.id, '🎉')).statusCode).toBe(204);
      expect(await lastRev(ada.session, group.id)).toBe(revAfterRemove);
      expect((await read(bob.session, message)).reactions).toEqual([
        { emoji: '👍', count: 1, userIds: [ada.userId] },
        { emoji: '🎉', count: 1, userIds: [cyd.userId] },
      ]);

      // Added again: a new row; the removed one stays, soft-deleted (nothing is ever hard-deleted).
      expect((await react(bob.session, message.id, '👍')).statusCode).toBe(204);
      const rows = await testDb.database.db
        .selectFrom('reactions')
        .select(['user_id', 'emoji', 'deleted_at'])
        .where('message_id', '=', message.id)
        .where('user_id', '=', bob.userId)
        .execute();
      expect(rows.map((row) => row.deleted_at === null).sort()).toEqual([false, true]);
      expect((await read(bob.session, message)).reactions[0]).toEqual({
        emoji: '👍',
        count: 2,
        userIds: [ada.userId, bob.userId],
      });
    });

    it('stores one reaction and takes one rev when the same add races with itself', async () => {
      const group = await createGroup(app, ada.session, 'Race', [bob.userId]);
      const message = await send(app, ada.session, group.id, 'race');
      const rev = await lastRev(ada.session, group.id);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => react(bob.session, message.id, '🏁')),
      );
      expect(answers.map((r) => r.statusCode)).toEqual([204, 204, 204, 204, 204]);
      expect(await lastRev(ada.session, group.id)).toBe(rev + 1);
      const rows = await testDb.database.db
        .selectFrom('reactions')
        .select('id')
        .where('message_id', '=', message.id)
        .execute();
      expect(rows).toHaveLength(1);
    });

    it('takes one emoji or a short name, stored in one form; text and several emoji are refused', async () => {
      const direct = await createDirect(app, ada.session, bob.userId);
      const message = await send(app, ada.session, direct.id, 'forms');
      expect((await react(bob.session, message.id, '+1')).statusCode).toBe(204);
      expect((await react(bob.session, message.id, ':heart:')).statusCode).toBe(204);
      // The text-style heart is the same reaction as the emoji-style one.
      expect((await react(bob.session, message.id, '❤')).statusCode).toBe(204);
      expect((await react(bob.session, message.id, '👩🏽‍💻')).statusCode).toBe(204);
      expect((await read(ada.session, message)).reactions.map((r) => [r.emoji, r.count])).toEqual([
        ['👍', 1],
        ['❤️', 1],
        ['👩🏽‍💻', 1],
      ]);
      // Removing by the short name removes the emoji.
      expect((await unreact(bob.session, message.id, 'thumbsup')).statusCode).toBe(204);
      expect((await read(ada.session, message)).reactions.map((r) => r.emoji)).toEqual(['❤️', '👩🏽‍💻']);

      const before = await countRows(testDb.database.db, 'reactions');
      for (const bad of ['lol', 'a', '👍👍', '👍 ok', '<b>', ':nope:', '\u200D', 'x'.repeat(65)]) {
        const response = await react(bob.session, message.id, bad);
        expect(response.statusCode, bad).toBe(400);
        expect(response.json().error).toMatchObject({ code: 'validation_failed' });
        expect(response.json().error.details[0].path).toBe('params.emoji');
      }
      expect(await countRows(testDb.database.db, 'reactions')).toBe(before);
    });

    it('is for members only (404 for anyone else), refuses deleted messages, and is read-only aware', async () => {
      const group = await createGroup(app, ada.session, 'Members only', [bob.userId]);
      const message = await send(app, ada.session, group.id, 'not for cyd');
      const before = await countRows(testDb.database.db, 'reactions');
      for (const response of [
        await react(cyd.session, message.id, '👍'),
        await unreact(cyd.session, message.id, '👍'),
        await react(ada.session, 'noSuchMessage123', '👍'),
      ]) {
        expect(response.statusCode).toBe(404);
        expect(response.json().error.code).toBe('not_found');
      }
      expect((await call(app, 'PUT', reactionUrl(message.id, '👍'))).statusCode).toBe(401);
      expect(await countRows(testDb.database.db, 'reactions')).toBe(before);

      // A member who left can no longer react.
      await call(app, 'DELETE', `/api/conversations/${group.id}/members/${bob.userId}`, {
        session: bob.session,
      });
      expect((await react(bob.session, message.id, '👍')).statusCode).toBe(404);

      const deleted = await send(app, ada.session, group.id, 'soon gone');
      expect((await react(ada.session, deleted.id, '👍')).statusCode).toBe(204);
      await call(app, 'DELETE', `/api/messages/${deleted.id}`, { session: ada.session });
      const tombstone = await read(ada.session, deleted);
      expect(tombstone.reactions).toEqual([]);
      expect((await react(ada.session, deleted.id, '🎉')).json().error.code).toBe('conflict');
      expect((await unreact(ada.session, deleted.id, '👍')).statusCode).toBe(409);

      // A direct conversation whose other person deleted their account: remove yes, add no.
      const [eve, fay] = await Promise.all([
        signUp(app, smtp, { displayName: 'Eve' }),
        signUp(app, smtp, { displayName: 'Fay' }),
      ]);
      const direct = await createDirect(app, eve.session, fay.userId);
      const old = await send(app, fay.session, direct.id, 'bye');
      expect((await react(eve.session, old.id, '👋')).statusCode).toBe(204);
      const gone = await call(app, 'DELETE', '/api/me', {
        session: fay.session,
        body: { password: fay.password },
      });
      expect(gone.statusCode, gone.body).toBe(204);
      expect((await react(eve.session, old.id, '😢')).statusCode).toBe(403);
      expect((await unreact(eve.session, old.id, '👋')).statusCode).toBe(204);
      expect((await read(eve.session, old)).reactions).toEqual([]);
    });

    it('reaches the other members live, once, as a message_updated with the next rev', async () => {
      const group = await createGroup(app, ada.session, 'Live', [bob.userId, cyd.userId]);
      const message = await send(app, ada.session, group.id, 'watch this');
      const [b, c] = [await tab(bob), await tab(cyd)];
      const rev = await lastRev(ada.session, group.id);

      expect((await react(cyd.session, message.id, '🔥')).statusCode).toBe(204);
      const update = await b.next('message_updated', (f) => f.message.id === message.id);
      expect(update.message).toMatchObject({
        id: message.id,
        seq: message.seq,
        rev: rev + 1,
        body: 'watch this',
        reactions: [{ emoji: '🔥', count: 1, userIds: [cyd.userId] }],
      });
      // The reactor's own tab hears it too, so their other tabs stay in step.
      expect((await c.next('message_updated', (f) => f.message.id === message.id)).message.rev).toBe(rev + 1);

      // A repeat is announced to nobody; the next change is the next rev.
      await react(cyd.session, message.id, '🔥');
      await unreact(cyd.session, message.id, '🔥');
      const removal = await b.next('message_updated', (f) => f.message.id === message.id);
      expect(removal.message).toMatchObject({ rev: rev + 2, reactions: [] });
      expect(b.frames.filter((f) => f.type === 'message_updated')).toHaveLength(2);
      // Reactions are not activity: the conversation keeps its place in the list.
      const list = await call(app, 'GET', '/api/conversations', { session: bob.session });
      const entry = list.json().conversations.find((x: { id: string }) => x.id === group.id);
      expect(entry.updatedAt).toBe(message.createdAt);
    });

    it('after a disconnect, resume replays reactions made meanwhile exactly once, in seq order, then live', async () => {
      const group = await createGroup(app, ada.session, 'Offline', [bob.userId]);
      const first = await send(app, ada.session, group.id, 'first');
      const second = await send(app, ada.session, group.id, 'second');
      const b1 = await tab(bob);
      const position = { seq: second.seq, rev: await lastRev(bob.session, group.id) };
      b1.close();
      await b1.closed;

      // While Bob is away: several changes to the first message, one to the second, a new message.
      await react(ada.session, first.id, '👍');
      await react(cyd.session, first.id, '👍'); // not a member: refused, no change
      await react(ada.session, first.id, '🎉');
      await unreact(ada.session, first.id, '👍');
      await react(ada.session, second.id, '👀');
      const third = await send(app, ada.session, group.id, 'third');
      await react(ada.session, third.id, '✅');

      const b2 = await tab(bob);
      b2.send({ type: 'resume', positions: { [group.id]: position } });
      await b2.next('resumed');
      await react(ada.session, first.id, '🚀');
      await b2.next('message_updated', (f) => f.message.reactions.some((r) => r.emoji === '🚀'));

      const events = b2.frames.filter(
        (f): f is Extract<ServerFrame, { type: 'message' | 'message_updated' }> =>
          f.type === 'message' || f.type === 'message_updated',
      );
      const summary = events.map(
        (f) => `${f.type}:${f.message.seq}:${f.message.reactions.map((r) => r.emoji).join('')}`,
      );
      expect(summary).toEqual([
        'message_updated:1:🎉',
        'message_updated:2:👀',
        'message:3:✅',
        'message_updated:1:🎉🚀',
      ]);
      const revs = events.map((f) => f.message.rev);
      expect(revs).toEqual([...revs].sort((a, b) => a - b));
      expect(new Set(revs).size).toBe(revs.length);
    });

    it(`is rate-limited per user (LIMIT_REACTIONS); a refused change changes nothing`, async () => {
      const hal = await signUp(app, smtp, { displayName: 'Hal' });
      const direct = await createDirect(app, hal.session, ada.userId);
      const message = await send(app, ada.session, direct.id, 'spam me');
      for (let i = 0; i < REACTION_LIMIT; i += 1) {
        const response =
          i % 2 === 0
            ? await react(hal.session, message.id, '👍')
            : await unreact(hal.session, message.id, '👍');
        expect(response.statusCode).toBe(204);
      }
      const rev = await lastRev(hal.session, direct.id);
      const refused = await react(hal.session, message.id, '🎉');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(await lastRev(hal.session, direct.id)).toBe(rev);
      expect((await read(hal.session, message)).reactions).toEqual([]);
      // Other users keep their own allowance.
      expect((await react(ada.session, message.id, '🎉')).statusCode).toBe(204);
    });
  });

  describe('replies', () => {
    it('carries a quote of the original: sender, seq and the start of its text', async () => {
      const group = await createGroup(app, ada.session, 'Replies', [bob.userId]);
      const long = `${'word '.repeat(30)}\n\n  and   more ${'x'.repeat(50)}`;
      const original = await send(app, ada.session, group.id, long);
      const response = await sendReply(bob.session, group.id, 'I agree', original.id);
      expect(response.statusCode, response.body).toBe(201);
      const reply: Message = response.json();
      expect(reply.replyTo).toMatchObject({
        id: original.id,
        seq: original.seq,
        senderId: ada.userId,
        deleted: false,
      });
      const excerpt = reply.replyTo?.excerpt ?? '';
      expect(excerpt.endsWith('…')).toBe(true);
      expect([...excerpt].length).toBeLessThanOrEqual(101);
      expect(excerpt).not.toMatch(/\s{2}|\n/);
      expect(long.replace(/\s+/g, ' ').startsWith(excerpt.slice(0, -1))).toBe(true);
      expect(original.replyTo).toBeNull();

      const short = await send(app, ada.session, group.id, 'short one 🦊');
      const second = (await sendReply(bob.session, group.id, 'ok', short.id)).json();
      expect(second.replyTo.excerpt).toBe('short one 🦊');
      // History shows the same.
      const page = await history(app, ada.session, group.id);
      expect(page.messages.find((m) => m.id === reply.id)?.replyTo).toEqual(reply.replyTo);

      // Over the socket too: the ack and the live event carry the quote.
      const b = await tab(bob);
      const a = await tab(ada);
      const clientId = randomUUID();
      b.send({ type: 'send', conversationId: group.id, clientId, body: 'via ws', replyToId: short.id });
      const ack = await b.next('ack', (f) => f.clientId === clientId);
      expect(ack.message.replyTo).toMatchObject({ id: short.id, excerpt: 'short one 🦊' });
      expect((await a.next('message', (f) => f.message.id === ack.message.id)).message).toEqual(ack.message);
      // A retried send returns the stored reply, quote included.
      const retry = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
        session: bob.session,
        body: { clientId, body: 'via ws', replyToId: short.id },
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toEqual(ack.message);
    });

    it('only answers a message of the same conversation; anything else is refused and stores nothing', async () => {
      const group = await createGroup(app, ada.session, 'Here', [bob.userId]);
      const elsewhere = await createGroup(app, ada.session, 'There', [bob.userId]);
      const foreign = await send(app, ada.session, elsewhere.id, 'in another conversation');
      const secret = await createDirect(app, cyd.session, ada.userId);
      const hidden = await send(app, cyd.session, secret.id, 'bob cannot see this');
      const before = await countRows(testDb.database.db, 'messages');
      for (const replyToId of [foreign.id, hidden.id, 'noSuchMessage123']) {
        const response = await sendReply(bob.session, group.id, 'reply', replyToId);
        expect(response.statusCode, replyToId).toBe(400);
        // The same answer whether the message exists elsewhere or not at all.
        expect(response.json().error).toEqual({
          code: 'validation_failed',
          message: 'Request is not valid',
          details: [{ path: 'body.replyToId', message: 'must be a message of this conversation' }],
        });
      }
      const malformed = await sendReply(bob.session, group.id, 'reply', 'not an id!');
      expect(malformed.statusCode).toBe(400);
      expect(await countRows(testDb.database.db, 'messages')).toBe(before);

      const b = await tab(bob);
      const clientId = randomUUID();
      b.send({ type: 'send', conversationId: group.id, clientId, body: 'x', replyToId: foreign.id });
      const error = await b.next('error', (f) => f.clientId === clientId);
      expect(error.error.code).toBe('validation_failed');
      // A non-member learns nothing about the conversation's messages: 404 before any reply check.
      const outsider = await sendReply(cyd.session, group.id, 'hi', foreign.id);
      expect(outsider.statusCode).toBe(404);
    });

    it('may answer a deleted message, and a quote shows its original deleted once it is', async () => {
      const group = await createGroup(app, ada.session, 'Deleted originals', [bob.userId]);
      const gone = await send(app, ada.session, group.id, 'regrettable');
      await call(app, 'DELETE', `/api/messages/${gone.id}`, { session: ada.session });
      const toGone = await sendReply(bob.session, group.id, 'too late', gone.id);
      expect(toGone.statusCode).toBe(201);
      expect(toGone.json().replyTo).toEqual({
        id: gone.id,
        seq: gone.seq,
        senderId: ada.userId,
        excerpt: '',
        deleted: true,
      });

      const kept = await send(app, ada.session, group.id, 'still here');
      const reply = (await sendReply(bob.session, group.id, 'noted', kept.id)).json() as Message;
      await call(app, 'PATCH', `/api/messages/${kept.id}`, {
        session: ada.session,
        body: { body: 'edited text' },
      });
      expect((await read(bob.session, reply)).replyTo?.excerpt).toBe('edited text');
      await call(app, 'DELETE', `/api/messages/${kept.id}`, { session: ada.session });
      expect((await read(bob.session, reply)).replyTo).toMatchObject({ excerpt: '', deleted: true });
      // Deleting the reply keeps what it answered.
      await call(app, 'DELETE', `/api/messages/${reply.id}`, { session: bob.session });
      expect((await read(ada.session, reply)).replyTo?.id).toBe(kept.id);
    });
  });

  describe('history around a message', () => {
    it('returns the message with half a page before it and the rest after, more before near the end, and what is beyond', async () => {
      const group = await createGroup(app, ada.session, 'Around', [bob.userId]);
      for (let i = 1; i <= 30; i += 1) await send(app, ada.session, group.id, `m${i}`);
      const middle = await history(app, bob.session, group.id, '?around=15&limit=10');
      expect(middle.messages.map((m) => m.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(middle).toMatchObject({ hasMore: true, hasMoreAfter: true });
      const start = await history(app, bob.session, group.id, '?around=2&limit=10');
      expect(start.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(start).toMatchObject({ hasMore: false, hasMoreAfter: true });
      const end = await history(app, bob.session, group.id, '?around=29&limit=10');
      expect(end.messages.map((m) => m.seq)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
      expect(end).toMatchObject({ hasMore: true, hasMoreAfter: false });
      // Plain pages do not carry hasMoreAfter.
      expect(await history(app, bob.session, group.id, '?limit=5')).not.toHaveProperty('hasMoreAfter');

      const both = await call(app, 'GET', `/api/conversations/${group.id}/messages?around=5&before=9`, {
        session: bob.session,
      });
      expect(both.statusCode).toBe(400);
      const outsider = await call(app, 'GET', `/api/conversations/${group.id}/messages?around=5`, {
        session: cyd.session,
      });
      expect(outsider.statusCode).toBe(404);
    });
  });
});
