import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, login, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe.each(DB_KINDS)('WebSocket gateway on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  const open: WsClient[] = [];

  async function ws(options: Parameters<typeof connectWs>[1]): Promise<WsClient> {
    const client = await connectWs(app, options);
    open.push(client);
    return client;
  }
  const tab = async (user: User) => {
    const client = await ws({ cookie: user.session.cookie });
    await client.next('ready');
    return client;
  };

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('authenticates by cookie; a send is acked after storage and reaches the other member once', async () => {
    const direct = await createDirect(app, ada.session, bob.userId);
    const [a, b] = [await tab(ada), await tab(bob)];
    const clientId = randomUUID();
    a.send({ type: 'send', conversationId: direct.id, clientId, body: 'hello over ws' });
    const ack = await a.next('ack');
    expect(ack).toMatchObject({ clientId, message: { body: 'hello over ws', seq: 1, senderId: ada.userId } });
    const row = await testDb.database.db
      .selectFrom('messages')
      .select('id')
      .where('id', '=', ack.message.id)
      .executeTakeFirst();
    expect(row).toBeDefined();
    const received = await b.next('message');
    expect(received.message).toEqual(ack.message);
    await a.next('message', (f) => f.message.id === ack.message.id);
    // A retry of the same clientId over WS acks the same stored message and broadcasts nothing new.
    a.send({ type: 'send', conversationId: direct.id, clientId, body: 'hello over ws' });
    expect((await a.next('ack')).message.id).toBe(ack.message.id);
    a.send({ type: 'ping' });
    await a.next('pong');
    expect(b.frames.filter((f) => f.type === 'message')).toHaveLength(1);
  });

  it('authenticates by a first auth frame (no cookie), and closes 4401 without one in time or with a bad token', async () => {
    const client = await ws({ origin: null, token: ada.session.token });
    expect((await client.next('ready')).userId).toBe(ada.userId);
    const bad = await ws({ origin: null, token: 'v4.public.nope' });
    expect((await bad.closed).code).toBe(4401);
    const silent = await ws({ origin: null });
    silent.send({ type: 'resume', positions: {} });
    expect((await silent.next('error')).error.code).toBe('unauthenticated');
  });

  it('refuses the upgrade from a foreign Origin, or a cookie without Origin, and ignores query-string tokens', async () => {
    await expect(
      connectWs(app, { cookie: ada.session.cookie, origin: 'https://evil.example' }),
    ).rejects.toThrow(/403/);
    await expect(connectWs(app, { cookie: ada.session.cookie, origin: null })).rejects.toThrow(/403/);
    const query = await ws({ origin: null, query: `?token=${encodeURIComponent(ada.session.token)}` });
    query.send({ type: 'ping' });
    await query.next('pong');
    query.send({ type: 'resume', positions: {} });
    expect((await query.next('error')).error.code).toBe('unauthenticated');
  });

  it('resumes after a disconnect: every missed message, edit and delete once, in seq order, then live', async () => {
    const group = await createGroup(app, ada.session, 'Resume', [bob.userId]);
    const b1 = await tab(bob);
    const first = await send(app, ada.session, group.id, 'before');
    const seen = (await b1.next('message')).message;
    expect(seen.id).toBe(first.id);
    b1.close();
    await b1.closed;

    const missed: Message[] = [];
    for (let i = 0; i < 5; i += 1) missed.push(await send(app, ada.session, group.id, `missed ${i}`));
    await call(app, 'PATCH', `/api/messages/${first.id}`, {
      session: ada.session,
      body: { body: 'before (edited)' },
    });
    await call(app, 'DELETE', `/api/messages/${missed[1]?.id}`, { session: ada.session });

    const b2 = await tab(bob);
    b2.send({ type: 'resume', positions: { [group.id]: { seq: seen.seq, rev: seen.rev } } });
    await b2.next('resumed');
    const live = await send(app, ada.session, group.id, 'live');
    await b2.next('message', (f) => f.message.id === live.id);

    const events = b2.frames.filter((f) => f.type === 'message' || f.type === 'message_updated');
    const summary = events.map(
      (f) => `${f.type}:${'message' in f ? `${f.message.seq}:${f.message.body}` : ''}`,
    );
    expect(summary).toEqual([
      'message_updated:1:before (edited)',
      'message:2:missed 0',
      'message:3:',
      'message:4:missed 2',
      'message:5:missed 3',
      'message:6:missed 4',
      'message:7:live',
    ]);
  });

  it('resume with only a seq sends the new messages after it', async () => {
    const direct = await createDirect(app, bob.session, ada.userId);
    const base = await send(app, ada.session, direct.id, 'x');
    await send(app, ada.session, direct.id, 'y');
    const b = await tab(bob);
    b.send({ type: 'resume', positions: { [direct.id]: base.seq } });
    await b.next('resumed');
    expect(
      b.frames.filter((f) => f.type === 'message').map((f) => ('message' in f ? f.message.body : '')),
    ).toEqual(['y']);
  });

  it('sends typing and read events to the other members', async () => {
    const direct = await createDirect(app, ada.session, bob.userId);
    const [a, b] = [await tab(ada), await tab(bob)];
    a.send({ type: 'typing', conversationId: direct.id });
    expect(await b.next('typing')).toEqual({ type: 'typing', conversationId: direct.id, userId: ada.userId });
    const message = await send(app, ada.session, direct.id, 'read me');
    await call(app, 'POST', `/api/conversations/${direct.id}/read`, {
      session: bob.session,
      body: { seq: message.seq },
    });
    expect(await a.next('read')).toEqual({
      type: 'read',
      conversationId: direct.id,
      userId: bob.userId,
      seq: message.seq,
    });
    expect(a.frames.filter((f) => f.type === 'typing')).toHaveLength(0);
  });

  it("a conversation created after connecting is followed live by the creator's own tab", async () => {
    const a = await tab(ada);
    const group = await createGroup(app, ada.session, 'Fresh', [bob.userId]);
    expect((await a.next('conversation')).conversation.id).toBe(group.id);
    const message = await send(app, bob.session, group.id, 'first in fresh');
    expect((await a.next('message', (f) => f.message.id === message.id)).message.body).toBe('first in fresh');
  });

  it('tells a member they were added, then delivers that conversation live', async () => {
    const carl = await signUp(app, smtp, { displayName: 'Carl' });
    const c = await tab(carl);
    const group = await createGroup(app, ada.session, 'Later', [bob.userId]);
    await call(app, 'POST', `/api/conversations/${group.id}/members`, {
      session: ada.session,
      body: { userId: carl.userId },
    });
    expect((await c.next('conversation')).conversation.id).toBe(group.id);
    const message = await send(app, bob.session, group.id, 'welcome');
    expect((await c.next('message')).message.id).toBe(message.id);
    await call(app, 'DELETE', `/api/conversations/${group.id}/members/${carl.userId}`, {
      session: ada.session,
    });
    await c.next('conversation_removed');
    await send(app, bob.session, group.id, 'after removal');
    c.send({ type: 'ping' });
    await c.next('pong');
    expect(c.frames.filter((f) => f.type === 'message')).toHaveLength(1);
  });

  it('answers bad frames with error frames and keeps the socket; a huge frame closes only its own socket', async () => {
    const direct = await createDirect(app, ada.session, bob.userId);
    const [a, b] = [await tab(ada), await tab(bob)];
    for (const raw of [
      'not json',
      '{"type":"send"}',
      '{"type":"nope"}',
      JSON.stringify({ type: 'send', conversationId: direct.id, clientId: 'x', body: 'y' }),
      '[]',
      'null',
    ]) {
      a.sendRaw(raw);
      expect((await a.next('error')).error.code).toBe('validation_failed');
    }
    a.send({ type: 'send', conversationId: 'someoneElsesRoom', clientId: randomUUID(), body: 'x' });
    expect((await a.next('error')).error.code).toBe('not_found');
    a.sendRaw(Buffer.from('x'.repeat(70 * 1024)));
    expect((await a.closed).code).toBe(1009);
    b.send({ type: 'ping' });
    await b.next('pong');
  });

  it('sends session_revoked and closes 4001 when the session is revoked elsewhere', async () => {
    const second = await login(app, bob.email, bob.password);
    const b = await ws({ cookie: second.cookie });
    await b.next('ready');
    await call(app, 'POST', '/api/auth/logout-all', { session: bob.session });
    await b.next('session_revoked');
    expect((await b.closed).code).toBe(4001);
  });
});
