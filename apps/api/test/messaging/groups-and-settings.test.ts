import { randomUUID } from 'node:crypto';
import type { Conversation, Message, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, history, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe.each(DB_KINDS)('groups: rename, roles, timeline events, mute and archive on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cyd: User;
  let dan: User;
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob, cyd, dan] = (await Promise.all(
      ['Ada', 'Bob', 'Cyd', 'Dan'].map((displayName) => signUp(app, smtp, { displayName })),
    )) as [User, User, User, User];
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function tab(user: User): Promise<WsClient> {
    const client = await connectWs(app, { cookie: user.session.cookie });
    open.push(client);
    await client.next('ready');
    return client;
  }
  const rename = (session: Session, id: string, title: unknown) =>
    call(app, 'PATCH', `/api/conversations/${id}`, { session, body: { title } });
  const setRole = (session: Session, id: string, userId: string, role: string) =>
    call(app, 'PUT', `/api/conversations/${id}/members/${userId}/role`, { session, body: { role } });
  const settings = (session: Session, id: string, body: unknown) =>
    call(app, 'PATCH', `/api/conversations/${id}/settings`, { session, body });
  const add = (session: Session, id: string, userId: string) =>
    call(app, 'POST', `/api/conversations/${id}/members`, { session, body: { userId } });
  const remove = (session: Session, id: string, userId: string) =>
    call(app, 'DELETE', `/api/conversations/${id}/members/${userId}`, { session });
  async function get(session: Session, id: string): Promise<Conversation> {
    const response = await call(app, 'GET', `/api/conversations/${id}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
  async function list(session: Session, query = ''): Promise<Conversation[]> {
    const response = await call(app, 'GET', `/api/conversations${query}`, { session });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().conversations;
  }
  const timeline = (messages: readonly Message[]) =>
    messages.map((m) =>
      m.kind === 'system'
        ? `${m.seq}:${m.system?.event}:${m.system?.actorId}>${m.system?.targetId ?? m.system?.title ?? ''}`
        : `${m.seq}:text:${m.body}`,
    );

  describe('rename', () => {
    it('owner and admins rename a group; members get 403; a direct conversation cannot be renamed', async () => {
      const group = await createGroup(app, ada.session, 'Team', [bob.userId, cyd.userId]);
      expect((await setRole(ada.session, group.id, bob.userId, 'admin')).statusCode).toBe(204);

      const byOwner = await rename(ada.session, group.id, '  Launch crew  ');
      expect(byOwner.statusCode, byOwner.body).toBe(200);
      expect(byOwner.json()).toMatchObject({ id: group.id, title: 'Launch crew' });
      expect((await rename(bob.session, group.id, 'By admin')).statusCode).toBe(200);
      const byMember = await rename(cyd.session, group.id, 'By member');
      expect(byMember.statusCode).toBe(403);
      expect(byMember.json().error.code).toBe('forbidden');
      expect((await rename(dan.session, group.id, 'Outsider')).statusCode).toBe(404);
      expect((await get(ada.session, group.id)).title).toBe('By admin');

      const direct = await createDirect(app, ada.session, dan.userId);
      expect((await rename(ada.session, direct.id, 'No')).statusCode).toBe(403);
      expect((await get(ada.session, direct.id)).title).toBeNull();
    });

    it('checks the title like a new group title (400, nothing changes)', async () => {
      const group = await createGroup(app, ada.session, 'Checked', [bob.userId]);
      const before = await get(ada.session, group.id);
      for (const title of ['', '   ', 'x'.repeat(201), 'spoof\u202Eevil', 42]) {
        const response = await rename(ada.session, group.id, title);
        expect(response.statusCode, String(title)).toBe(400);
        expect(response.json().error.code).toBe('validation_failed');
      }
      const extra = await call(app, 'PATCH', `/api/conversations/${group.id}`, {
        session: ada.session,
        body: { title: 'Ok', type: 'direct' },
      });
      expect(extra.statusCode).toBe(400);
      const after = await get(ada.session, group.id);
      expect(after).toMatchObject({ title: 'Checked', lastSeq: before.lastSeq, lastRev: before.lastRev });
    });

    it('stores a "renamed" timeline line with the new title; the same title again stores nothing', async () => {
      const group = await createGroup(app, ada.session, 'Old', [bob.userId]);
      await send(app, ada.session, group.id, 'hello');
      expect((await rename(ada.session, group.id, 'New')).statusCode).toBe(200);
      expect((await rename(ada.session, group.id, 'New')).statusCode).toBe(200);
      const page = await history(app, bob.session, group.id);
      expect(timeline(page.messages)).toEqual(['1:text:hello', `2:renamed:${ada.userId}>New`]);
      const event = page.messages[1] as Message;
      expect(event).toMatchObject({ kind: 'system', body: '', senderId: ada.userId, reactions: [] });
      expect(page.messages[0]).toMatchObject({ kind: 'text', system: null });
    });
  });

  describe('roles', () => {
    it('only the owner makes and unmakes admins; the owner cannot be demoted; the target must be a member', async () => {
      const group = await createGroup(app, ada.session, 'Roles', [bob.userId, cyd.userId]);
      const roleOf = async (userId: string) =>
        (await get(ada.session, group.id)).members.find((m) => m.id === userId)?.role;

      expect((await setRole(ada.session, group.id, bob.userId, 'admin')).statusCode).toBe(204);
      expect(await roleOf(bob.userId)).toBe('admin');
      // An admin cannot make admins, nor undo another's role.
      expect((await setRole(bob.session, group.id, cyd.userId, 'admin')).statusCode).toBe(403);
      expect((await setRole(bob.session, group.id, bob.userId, 'member')).statusCode).toBe(403);
      expect((await setRole(cyd.session, group.id, cyd.userId, 'admin')).statusCode).toBe(403);
      expect(await roleOf(cyd.userId)).toBe('member');
      // The owner stays owner.
      const demote = await setRole(ada.session, group.id, ada.userId, 'member');
      expect(demote.statusCode).toBe(403);
      expect(await roleOf(ada.userId)).toBe('owner');
      // "owner" is not a role one can give.
      expect((await setRole(ada.session, group.id, bob.userId, 'owner')).statusCode).toBe(400);
      // Not a member (never, or any more): 404.
      expect((await setRole(ada.session, group.id, dan.userId, 'admin')).statusCode).toBe(404);
      expect((await remove(ada.session, group.id, cyd.userId)).statusCode).toBe(204);
      expect((await setRole(ada.session, group.id, cyd.userId, 'admin')).statusCode).toBe(404);
      // Outsiders learn nothing.
      expect((await setRole(dan.session, group.id, bob.userId, 'member')).statusCode).toBe(404);
      // Unmake; repeating is a no-op.
      expect((await setRole(ada.session, group.id, bob.userId, 'member')).statusCode).toBe(204);
      expect((await setRole(ada.session, group.id, bob.userId, 'member')).statusCode).toBe(204);
      expect(await roleOf(bob.userId)).toBe('member');

      const direct = await createDirect(app, bob.session, dan.userId);
      expect((await setRole(bob.session, direct.id, dan.userId, 'admin')).statusCode).toBe(403);
    });

    it("reaches every member's sockets live as the changed conversation, with no timeline line", async () => {
      const group = await createGroup(app, ada.session, 'Live roles', [bob.userId, cyd.userId]);
      const cydTab = await tab(cyd);
      expect((await setRole(ada.session, group.id, bob.userId, 'admin')).statusCode).toBe(204);
      const frame = await cydTab.next(
        'conversation',
        (f) => f.conversation.id === group.id && f.conversation.members.some((m) => m.role === 'admin'),
      );
      expect(frame.conversation.members.map((m) => `${m.id}:${m.role}`)).toEqual([
        `${ada.userId}:owner`,
        `${bob.userId}:admin`,
        `${cyd.userId}:member`,
      ]);
      expect((await get(ada.session, group.id)).lastSeq).toBe(0);
      // A repeat changes nothing and announces nothing.
      const frames = cydTab.frames.length;
      expect((await setRole(ada.session, group.id, bob.userId, 'admin')).statusCode).toBe(204);
      await send(app, ada.session, group.id, 'after');
      await cydTab.next('message', (f) => f.message.body === 'after');
      expect(cydTab.frames.slice(frames).map((f) => f.type)).toEqual(['message']);
    });

    it('lists the owner first, then admins, whatever the joining order', async () => {
      const group = await createGroup(app, bob.session, 'Order', [ada.userId, cyd.userId]);
      await setRole(bob.session, group.id, cyd.userId, 'admin');
      // Bob leaves: Cyd (the admin) inherits; Bob joins again, last.
      await remove(bob.session, group.id, bob.userId);
      await add(cyd.session, group.id, bob.userId);
      const members = (await get(ada.session, group.id)).members;
      expect(members.map((m) => `${m.displayName}:${m.role}`)).toEqual([
        'Cyd:owner',
        'Ada:member',
        'Bob:member',
      ]);
    });
  });

  describe('timeline events', () => {
    it('adding, removing and leaving store lines with a seq, in order with messages, not counted as unread', async () => {
      const group = await createGroup(app, ada.session, 'Timeline', [bob.userId]);
      await send(app, bob.session, group.id, 'one');
      expect((await add(ada.session, group.id, cyd.userId)).statusCode).toBe(204);
      // Adding someone already in stores nothing.
      expect((await add(ada.session, group.id, cyd.userId)).statusCode).toBe(204);
      await send(app, cyd.session, group.id, 'two');
      expect((await remove(ada.session, group.id, cyd.userId)).statusCode).toBe(204);
      await add(ada.session, group.id, dan.userId);
      expect((await remove(dan.session, group.id, dan.userId)).statusCode).toBe(204);

      const page = await history(app, ada.session, group.id);
      expect(timeline(page.messages)).toEqual([
        '1:text:one',
        `2:added:${ada.userId}>${cyd.userId}`,
        '3:text:two',
        `4:removed:${ada.userId}>${cyd.userId}`,
        `5:added:${ada.userId}>${dan.userId}`,
        `6:left:${dan.userId}>`,
      ]);
      // Ada's unread: the two messages of others, not the four lines (her own or anyone's).
      const mine = await get(ada.session, group.id);
      expect(mine).toMatchObject({ lastSeq: 6, unreadCount: 2 });
      expect(mine.lastMessage).toMatchObject({
        kind: 'system',
        system: { event: 'left', actorId: dan.userId },
      });
      // Bob read up to his own message; the lines after it are not unread, Cyd's message is.
      expect((await get(bob.session, group.id)).unreadCount).toBe(1);
    });

    it('reach members live as message frames and through resume, exactly once and in seq order', async () => {
      const group = await createGroup(app, ada.session, 'Live', [bob.userId]);
      const first = await send(app, ada.session, group.id, 'first');
      const live = await tab(bob);
      await rename(ada.session, group.id, 'Live 2');
      const renamed = await live.next('message', (f) => f.message.conversationId === group.id);
      expect(renamed.message).toMatchObject({
        seq: 2,
        kind: 'system',
        system: { event: 'renamed', title: 'Live 2' },
      });
      // The conversation itself (new title) comes too.
      await live.next(
        'conversation',
        (f) => f.conversation.id === group.id && f.conversation.title === 'Live 2',
      );
      const position = { seq: renamed.message.seq, rev: renamed.message.rev };
      live.close();
      await live.closed;

      await add(ada.session, group.id, cyd.userId);
      await send(app, cyd.session, group.id, 'hi from cyd');
      await remove(ada.session, group.id, cyd.userId);

      const back = await tab(bob);
      back.send({ type: 'resume', positions: { [group.id]: position } });
      await back.next('resumed');
      await rename(ada.session, group.id, 'Live 3');
      await back.next('message', (f) => f.message.system?.title === 'Live 3');
      const events = back.frames
        .filter((f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message')
        .map((f) => f.message);
      expect(timeline(events)).toEqual([
        `3:added:${ada.userId}>${cyd.userId}`,
        '4:text:hi from cyd',
        `5:removed:${ada.userId}>${cyd.userId}`,
        `6:renamed:${ada.userId}>Live 3`,
      ]);
      expect(first.kind).toBe('text');
    });

    it('cannot be edited, deleted, reacted to or replied to (409/400), and changes nothing', async () => {
      const group = await createGroup(app, ada.session, 'Frozen', [bob.userId]);
      await rename(ada.session, group.id, 'Frozen 2');
      const [event] = (await history(app, ada.session, group.id)).messages as [Message];
      const before = await get(ada.session, group.id);

      const edit = await call(app, 'PATCH', `/api/messages/${event.id}`, {
        session: ada.session,
        body: { body: 'rewritten' },
      });
      expect(edit.statusCode).toBe(409);
      expect(edit.json().error.code).toBe('conflict');
      expect(
        (await call(app, 'DELETE', `/api/messages/${event.id}`, { session: ada.session })).statusCode,
      ).toBe(409);
      const react = await call(
        app,
        'PUT',
        `/api/messages/${event.id}/reactions/${encodeURIComponent('👍')}`,
        {
          session: bob.session,
        },
      );
      expect(react.statusCode).toBe(409);
      const reply = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
        session: bob.session,
        body: { clientId: randomUUID(), body: 'answer', replyToId: event.id },
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error.details).toEqual([
        { path: 'body.replyToId', message: 'cannot reply to a timeline event' },
      ]);
      // Outsiders still learn nothing about it.
      expect(
        (await call(app, 'DELETE', `/api/messages/${event.id}`, { session: dan.session })).statusCode,
      ).toBe(404);

      const after = await get(ada.session, group.id);
      expect(after).toMatchObject({ lastSeq: before.lastSeq, lastRev: before.lastRev });
      const [still] = (await history(app, ada.session, group.id)).messages as [Message];
      expect(still).toEqual(event);
    });

    it('deleting an account leaves its groups with a "left" line, live and in history', async () => {
      const eve = await signUp(app, smtp, { displayName: 'Eve' });
      const group = await createGroup(app, eve.session, 'Eve owns', [ada.userId]);
      const live = await tab(ada);
      const deleted = await call(app, 'DELETE', '/api/me', {
        session: eve.session,
        body: { password: eve.password },
      });
      expect(deleted.statusCode, deleted.body).toBe(204);
      const frame = await live.next('message', (f) => f.message.conversationId === group.id);
      expect(frame.message).toMatchObject({
        seq: 1,
        kind: 'system',
        system: { event: 'left', actorId: eve.userId },
      });
      expect(timeline((await history(app, ada.session, group.id)).messages)).toEqual([
        `1:left:${eve.userId}>`,
      ]);
      // Ada inherited the group.
      expect((await get(ada.session, group.id)).members).toEqual([
        expect.objectContaining({ id: ada.userId, role: 'owner' }),
      ]);
    });

    it('has an empty body, so a text search of bodies cannot match it', async () => {
      const group = await createGroup(app, ada.session, 'Searchable title', [bob.userId]);
      await rename(ada.session, group.id, 'Secret plans');
      const rows = await testDb.database.db
        .selectFrom('messages')
        .select(['body', 'kind', 'system_title'])
        .where('conversation_id', '=', group.id)
        .execute();
      expect(rows).toEqual([{ body: '', kind: 'system', system_title: 'Secret plans' }]);
    });
  });

  describe('mute and archive', () => {
    it('are per user, returned in the conversation, and validated', async () => {
      const group = await createGroup(app, ada.session, 'Quiet', [bob.userId]);
      const muted = await settings(bob.session, group.id, { muted: true });
      expect(muted.statusCode, muted.body).toBe(200);
      expect(muted.json()).toMatchObject({ id: group.id, muted: true, archived: false });
      expect(await get(ada.session, group.id)).toMatchObject({ muted: false, archived: false });
      // The email notifications read the member row.
      const row = await testDb.database.db
        .selectFrom('conversation_members')
        .select(['muted', 'archived_at_seq'])
        .where('conversation_id', '=', group.id)
        .where('user_id', '=', bob.userId)
        .executeTakeFirstOrThrow();
      expect({ muted: Number(row.muted), archivedAtSeq: row.archived_at_seq }).toEqual({
        muted: 1,
        archivedAtSeq: null,
      });

      for (const body of [{}, { muted: 'yes' }, { archived: 1 }, { muted: true, pinned: true }]) {
        const response = await settings(bob.session, group.id, body);
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.json().error.code).toBe('validation_failed');
      }
      expect((await settings(dan.session, group.id, { muted: true })).statusCode).toBe(404);
      expect((await get(bob.session, group.id)).muted).toBe(true);
      expect((await settings(bob.session, group.id, { muted: false })).json().muted).toBe(false);
    });

    it('archived leaves the default list, is listed with ?archived=true, and comes back with the next message', async () => {
      const carl = await signUp(app, smtp, { displayName: 'Carl' });
      const group = await createGroup(app, carl.session, 'Archive me', [bob.userId]);
      await send(app, bob.session, group.id, 'before');
      const other = await createDirect(app, carl.session, ada.userId);
      const ids = (conversations: Conversation[]) => conversations.map((c) => c.id);

      const archived = await settings(carl.session, group.id, { archived: true, muted: true });
      expect(archived.json()).toMatchObject({ archived: true, muted: true });
      expect(ids(await list(carl.session))).toEqual([other.id]);
      expect(ids(await list(carl.session, '?archived=true'))).toEqual([group.id]);
      expect(ids(await list(carl.session, '?archived=false'))).toEqual([other.id]);
      expect(
        (await call(app, 'GET', '/api/conversations?archived=maybe', { session: carl.session })).statusCode,
      ).toBe(400);
      // Bob's list is his own.
      expect(ids(await list(bob.session))).toContain(group.id);
      // Edits and reactions are not new messages: still archived.
      const [before] = (await history(app, carl.session, group.id)).messages as [Message];
      await call(app, 'PATCH', `/api/messages/${before.id}`, {
        session: bob.session,
        body: { body: 'edited' },
      });
      expect(ids(await list(carl.session, '?archived=true'))).toEqual([group.id]);

      // A new message brings it back (still muted).
      await send(app, bob.session, group.id, 'after');
      expect(ids(await list(carl.session))).toEqual([group.id, other.id]);
      expect(await list(carl.session, '?archived=true')).toEqual([]);
      expect(await get(carl.session, group.id)).toMatchObject({ archived: false, muted: true });

      // A timeline line counts as new too; un-archiving by hand works.
      await settings(carl.session, group.id, { archived: true });
      await rename(carl.session, group.id, 'Archive me again');
      expect((await get(carl.session, group.id)).archived).toBe(false);
      await settings(carl.session, other.id, { archived: true });
      expect((await settings(carl.session, other.id, { archived: false })).json().archived).toBe(false);
      expect(ids(await list(carl.session))).toContain(other.id);
    });

    it("tells the user's other tabs, and only them", async () => {
      const group = await createGroup(app, ada.session, 'Tabs', [bob.userId]);
      const adaTab = await tab(ada);
      const bobTab = await tab(bob);
      await settings(ada.session, group.id, { muted: true });
      const frame = await adaTab.next('conversation', (f) => f.conversation.id === group.id);
      expect(frame.conversation.muted).toBe(true);
      // Bob's socket hears nothing of it: a message sent after it is the first frame of this group he gets.
      await send(app, ada.session, group.id, 'marker');
      await bobTab.next('message', (f) => f.message.body === 'marker');
      expect(bobTab.frames.filter((f) => f.type === 'conversation')).toEqual([]);
    });
  });
});
