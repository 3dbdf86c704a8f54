import type { Conversation } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createGroup, history, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Issue 13: people who left or were removed keep their name on their messages (`formerMembers`). */
describe.each(DB_KINDS)('former members on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cy: User;
  let dan: User;
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob, cy, dan] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cy' }),
      signUp(app, smtp, { displayName: 'Dan' }),
    ]);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const get = async (session: Session, id: string): Promise<Conversation> => {
    const response = await call(app, 'GET', `/api/conversations/${id}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const listed = async (session: Session, id: string): Promise<Conversation | undefined> => {
    const response = await call(app, 'GET', '/api/conversations', { session });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json().conversations as Conversation[]).find((c) => c.id === id);
  };
  const removeMember = async (session: Session, id: string, userId: string) => {
    const response = await call(app, 'DELETE', `/api/conversations/${id}/members/${userId}`, { session });
    expect(response.statusCode, response.body).toBe(204);
  };

  it('lists who left, who was removed and who deleted their account, with their names, live and on reads', async () => {
    const group = await createGroup(app, ada.session, 'Crew', [bob.userId, cy.userId, dan.userId]);
    expect(group.formerMembers).toEqual([]);
    const adaTab = await connectWs(app, { cookie: ada.session.cookie });
    open.push(adaTab);
    await adaTab.next('ready');
    for (const user of [bob, cy, dan]) await send(app, user.session, group.id, `hello from ${user.userId}`);

    // Bob leaves: Ada's socket hears of the change, with Bob among the former members.
    await removeMember(bob.session, group.id, bob.userId);
    const changed = await adaTab.next(
      'conversation',
      (frame) => frame.conversation.id === group.id && (frame.conversation.formerMembers?.length ?? 0) > 0,
    );
    expect(changed.conversation.formerMembers).toEqual([{ id: bob.userId, displayName: 'Bob' }]);
    expect(changed.conversation.members.map((m) => m.id)).not.toContain(bob.userId);

    // Cy is removed by the owner; Dan deletes his account (which ends his memberships).
    await removeMember(ada.session, group.id, cy.userId);
    const deleted = await call(app, 'DELETE', '/api/me', {
      session: dan.session,
      body: { password: dan.password },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);

    const expected = [
      { id: bob.userId, displayName: 'Bob' },
      { id: cy.userId, displayName: 'Cy' },
      { id: dan.userId, displayName: 'Deleted user' },
    ];
    expect((await get(ada.session, group.id)).formerMembers).toEqual(expected);
    expect((await listed(ada.session, group.id))?.formerMembers).toEqual(expected);
    expect((await get(ada.session, group.id)).members.map((m) => m.id)).toEqual([ada.userId]);
    // Their messages stay, and every sender is a member or a former member.
    const senders = new Set((await history(app, ada.session, group.id)).messages.map((m) => m.senderId));
    const named = new Set(expected.map((m) => m.id));
    for (const sender of senders) expect(named.has(sender) || sender === ada.userId).toBe(true);
  });

  it('someone added back is a member again, not a former one', async () => {
    const group = await createGroup(app, ada.session, 'Back again', [bob.userId]);
    await removeMember(ada.session, group.id, bob.userId);
    expect((await get(ada.session, group.id)).formerMembers).toEqual([
      { id: bob.userId, displayName: 'Bob' },
    ]);
    const added = await call(app, 'POST', `/api/conversations/${group.id}/members`, {
      session: ada.session,
      body: { userId: bob.userId },
    });
    expect(added.statusCode, added.body).toBe(204);
    const again = await get(bob.session, group.id);
    expect(again.formerMembers).toEqual([]);
    expect(again.members.map((m) => m.id).sort()).toEqual([ada.userId, bob.userId].sort());
  });

  it('is not shown to people outside the conversation', async () => {
    const group = await createGroup(app, ada.session, 'Private', [bob.userId]);
    await removeMember(ada.session, group.id, bob.userId);
    const response = await call(app, 'GET', `/api/conversations/${group.id}`, { session: bob.session });
    expect(response.statusCode).toBe(404);
  });
});
