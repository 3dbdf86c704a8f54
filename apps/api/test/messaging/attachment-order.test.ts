import { randomUUID } from 'node:crypto';
import type { Attachment, Message } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createGroup, history } from '../helpers/messaging.js';
import { text, upload } from '../helpers/uploads.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Issue 13: a message's attachments come back in the order of the send's `attachmentIds`. */
describe.each(DB_KINDS)('attachment order on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let conversationId: string;
  const clock = new TestClock();
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb, { now: clock.now });
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
    conversationId = (await createGroup(app, ada.session, 'Files', [bob.userId])).id;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  /** Uploads files named by `names`, one after another, each a second later on the app's clock. */
  async function uploadAll(names: readonly string[]): Promise<Attachment[]> {
    const attachments: Attachment[] = [];
    for (const name of names) {
      clock.advance(1_000);
      const response = await upload(app, ada.session, conversationId, text(10 + attachments.length), {
        name,
      });
      expect(response.statusCode, response.body).toBe(201);
      attachments.push(response.json());
    }
    return attachments;
  }

  const names = (message: Pick<Message, 'attachments'>) => message.attachments.map((a) => a.name);

  it('an HTTP send keeps the chosen order, not the upload order, in the answer and in every later read', async () => {
    const [a, b, c, d, e] = await uploadAll(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']);
    const chosen = [c, a, e, b, d].map((attachment) => attachment?.id ?? '');
    const sent = await call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'five files', attachmentIds: chosen },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const message: Message = sent.json();
    expect(names(message)).toEqual(['c.txt', 'a.txt', 'e.txt', 'b.txt', 'd.txt']);

    // History, the conversation's last message, and the list read it back the same way, for both members.
    for (const session of [ada.session, bob.session]) {
      const page = await history(app, session, conversationId);
      expect(names(page.messages.find((m) => m.id === message.id) ?? { attachments: [] })).toEqual(
        names(message),
      );
      const conversation = await call(app, 'GET', `/api/conversations/${conversationId}`, { session });
      expect(names(conversation.json().lastMessage)).toEqual(names(message));
    }
    // The stored positions are the indexes in attachmentIds.
    const rows = await testDb.database.db
      .selectFrom('attachments')
      .select(['name', 'position'])
      .where('message_id', '=', message.id)
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'a.txt', position: 1 },
      { name: 'b.txt', position: 3 },
      { name: 'c.txt', position: 0 },
      { name: 'd.txt', position: 4 },
      { name: 'e.txt', position: 2 },
    ]);
  });

  it('a WebSocket send keeps the chosen order in the ack, for the other member, and on an edit', async () => {
    const uploaded = await uploadAll(['one.txt', 'two.txt', 'three.txt']);
    const chosen = [...uploaded].reverse().map((attachment) => attachment.id);
    const sockets = await Promise.all(
      [ada, bob].map(async (user) => {
        const client = await connectWs(app, { cookie: user.session.cookie });
        open.push(client);
        await client.next('ready');
        return client;
      }),
    );
    const [adaTab, bobTab] = sockets as [WsClient, WsClient];
    const clientId = randomUUID();
    adaTab.send({ type: 'send', conversationId, clientId, body: 'reversed', attachmentIds: chosen });
    const ack = await adaTab.next('ack', (frame) => frame.clientId === clientId);
    expect(names(ack.message)).toEqual(['three.txt', 'two.txt', 'one.txt']);
    const received = await bobTab.next('message', (frame) => frame.message.id === ack.message.id);
    expect(names(received.message)).toEqual(['three.txt', 'two.txt', 'one.txt']);

    const edited = await call(app, 'PATCH', `/api/messages/${ack.message.id}`, {
      session: ada.session,
      body: { body: 'reversed, edited' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(names(edited.json())).toEqual(['three.txt', 'two.txt', 'one.txt']);
    const update = await bobTab.next('message_updated', (frame) => frame.message.id === ack.message.id);
    expect(names(update.message)).toEqual(['three.txt', 'two.txt', 'one.txt']);
  });

  it('two messages sent in one batch each keep their own order', async () => {
    const [p, q, r, s] = await uploadAll(['p.txt', 'q.txt', 'r.txt', 's.txt']);
    const ids = (...list: (Attachment | undefined)[]) => list.map((attachment) => attachment?.id ?? '');
    const [first, second] = await Promise.all([
      call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
        session: ada.session,
        body: { clientId: randomUUID(), body: 'first', attachmentIds: ids(q, p) },
      }),
      call(app, 'POST', `/api/conversations/${conversationId}/messages`, {
        session: ada.session,
        body: { clientId: randomUUID(), body: 'second', attachmentIds: ids(s, r) },
      }),
    ]);
    expect(names(first.json())).toEqual(['q.txt', 'p.txt']);
    expect(names(second.json())).toEqual(['s.txt', 'r.txt']);
    const page = await history(app, bob.session, conversationId);
    const byBody = new Map(page.messages.map((m) => [m.body, names(m)]));
    expect(byBody.get('first')).toEqual(['q.txt', 'p.txt']);
    expect(byBody.get('second')).toEqual(['s.txt', 'r.txt']);
  });
});
