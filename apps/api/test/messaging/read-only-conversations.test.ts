import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, history, send } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]),
  Buffer.alloc(64, 7),
]);

describe.each(DB_KINDS)('conversations with a deleted account on %s', (kind) => {
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
    await app.listen({ port: 0, host: '127.0.0.1' });
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

  it('a direct conversation becomes read-only: 403 on send (HTTP and WS), edit, typing and upload', async () => {
    const direct = await createDirect(app, ada.session, bob.userId);
    expect(direct.readOnly).toBe(false);
    expect(direct.peerDeleted).toBe(false);
    const group = await createGroup(app, ada.session, 'Three', [bob.userId, cyd.userId]);
    const other = await createDirect(app, ada.session, cyd.userId);
    const retried = randomUUID();
    const mine = await send(app, ada.session, direct.id, 'hello Bob', retried);
    await send(app, bob.session, direct.id, 'hi Ada, bye now');
    const socket = await connectWs(app, { cookie: ada.session.cookie });
    await socket.next('ready');

    const deleted = await call(app, 'DELETE', '/api/me', {
      session: bob.session,
      body: { password: bob.password },
    });
    expect(deleted.statusCode).toBe(204);

    // Told live, and on every read: read-only, and why.
    const changed = await socket.next('conversation', (f) => f.conversation.id === direct.id);
    expect(changed.conversation).toMatchObject({ readOnly: true, peerDeleted: true });
    const seen = (await call(app, 'GET', `/api/conversations/${direct.id}`, { session: ada.session })).json();
    expect(seen).toMatchObject({ readOnly: true, peerDeleted: true });
    expect(seen.members).toContainEqual({ id: bob.userId, displayName: 'Deleted user', role: 'member' });
    const list = (await call(app, 'GET', '/api/conversations', { session: ada.session })).json();
    const flags = Object.fromEntries(
      list.conversations.map((c: { id: string; readOnly: boolean }) => [c.id, c.readOnly]),
    );
    expect(flags).toMatchObject({ [direct.id]: true, [group.id]: false, [other.id]: false });

    const messagesBefore = await countRows(testDb.database.db, 'messages');
    const sent = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: 'are you there?' },
    });
    expect(sent.statusCode).toBe(403);
    expect(sent.json().error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/read-only/),
    });

    const clientId = randomUUID();
    socket.send({ type: 'send', conversationId: direct.id, clientId, body: 'over the socket' });
    const refused = await socket.next('error', (f) => f.clientId === clientId);
    expect(refused.error.code).toBe('forbidden');
    socket.send({ type: 'typing', conversationId: direct.id });
    expect((await socket.next('error', (f) => f.clientId === undefined)).error.code).toBe('forbidden');

    const edited = await call(app, 'PATCH', `/api/messages/${mine.id}`, {
      session: ada.session,
      body: { body: 'changed' },
    });
    expect(edited.statusCode).toBe(403);
    const uploaded = await app.inject({
      method: 'POST',
      url: `/api/attachments?conversationId=${direct.id}&name=a.png`,
      headers: {
        'content-type': 'image/png',
        origin: app.config.publicUrl.origin,
        cookie: ada.session.cookie,
      },
      payload: PNG,
    });
    expect(uploaded.statusCode).toBe(403);
    expect(await countRows(testDb.database.db, 'messages')).toBe(messagesBefore);
    expect(await countRows(testDb.database.db, 'attachments')).toBe(0);

    // A retry of a message stored before still answers with it; reading and deleting your own still work.
    const retry = await call(app, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: ada.session,
      body: { clientId: retried, body: 'hello Bob' },
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(mine.id);
    expect((await history(app, ada.session, direct.id)).messages.map((m) => m.body)).toEqual([
      'hello Bob',
      'hi Ada, bye now',
    ]);
    const read = await call(app, 'POST', `/api/conversations/${direct.id}/read`, {
      session: ada.session,
      body: { seq: 2 },
    });
    expect(read.statusCode).toBe(204);
    expect((await call(app, 'DELETE', `/api/messages/${mine.id}`, { session: ada.session })).statusCode).toBe(
      204,
    );

    // For the group, the deleted account simply is no longer a member; the others go on writing.
    const groupNow = (
      await call(app, 'GET', `/api/conversations/${group.id}`, { session: cyd.session })
    ).json();
    expect(groupNow.readOnly).toBe(false);
    expect(groupNow.members.map((m: { id: string }) => m.id)).not.toContain(bob.userId);
    await send(app, cyd.session, group.id, 'still here');
    await send(app, ada.session, other.id, 'other conversations are unaffected');
    socket.send({ type: 'send', conversationId: other.id, clientId: randomUUID(), body: 'and over WS' });
    expect((await socket.next('ack')).message.body).toBe('and over WS');
    socket.close();
  });
});
