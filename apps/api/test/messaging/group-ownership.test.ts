import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { up as repairOwnership } from '../../src/db/migrations/0008-smaller.js';
import { toDbTime } from '../../src/db/time.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const at = (minute: number) => toDbTime(new Date(Date.UTC(2026, 0, 1, 12, minute)));

describe.each(DB_KINDS)('group ownership when owners leave or delete their account on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const users = (count: number) => Promise.all(Array.from({ length: count }, () => signUp(app, smtp)));

  /** A group created by `owner` with `others`, with joined_at and roles set so seniority is unambiguous. */
  async function group(owner: User, others: { user: User; joined: number; role?: 'admin' }[]) {
    const created = await call(app, 'POST', '/api/conversations', {
      session: owner.session,
      body: { type: 'group', title: 'Team', memberIds: others.map((o) => o.user.userId) },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id: string = created.json().id;
    const db = testDb.database.db;
    await db
      .updateTable('conversation_members')
      .set({ joined_at: at(0) })
      .where('conversation_id', '=', id)
      .where('user_id', '=', owner.userId)
      .execute();
    for (const other of others) {
      await db
        .updateTable('conversation_members')
        .set({ joined_at: at(other.joined), role: other.role ?? 'member' })
        .where('conversation_id', '=', id)
        .where('user_id', '=', other.user.userId)
        .execute();
    }
    return id;
  }

  async function membership(conversationId: string) {
    const rows = await testDb.database.db
      .selectFrom('conversation_members')
      .select(['user_id', 'role', 'left_at'])
      .where('conversation_id', '=', conversationId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.user_id, { role: r.role, active: r.left_at === null }]));
  }

  const ownersOf = async (conversationId: string) =>
    Object.entries(await membership(conversationId))
      .filter(([, m]) => m.active && m.role === 'owner')
      .map(([id]) => id);

  const deleteAccount = (user: User) =>
    call(app, 'DELETE', '/api/me', { session: user.session, body: { password: user.password } });

  it('deleting an account hands each owned group to the longest-standing admin, else member', async () => {
    const [ada, bob, cyd, dan] = (await users(4)) as [User, User, User, User];
    // Bob has been there longest, but Cyd is an admin: admins come first.
    const withAdmin = await group(ada, [
      { user: bob, joined: 1 },
      { user: cyd, joined: 2, role: 'admin' },
      { user: dan, joined: 3 },
    ]);
    // No admin: the longest-standing member, whatever the order of ids.
    const noAdmin = await group(ada, [
      { user: dan, joined: 1 },
      { user: bob, joined: 2 },
    ]);
    // Two admins: the longer-standing one.
    const twoAdmins = await group(ada, [
      { user: bob, joined: 1 },
      { user: dan, joined: 5, role: 'admin' },
      { user: cyd, joined: 4, role: 'admin' },
    ]);
    const alone = await group(ada, []);
    // A group Ada is only a member of keeps its owner.
    const bobs = await group(bob, [{ user: ada, joined: 1 }]);

    const listener = await connectWs(app, { cookie: bob.session.cookie });
    await listener.next('ready');
    const response = await deleteAccount(ada);
    expect(response.statusCode, response.body).toBe(204);

    expect(await ownersOf(withAdmin)).toEqual([cyd.userId]);
    expect(await ownersOf(noAdmin)).toEqual([dan.userId]);
    expect(await ownersOf(twoAdmins)).toEqual([cyd.userId]);
    expect(await ownersOf(alone)).toEqual([]);
    expect(await ownersOf(bobs)).toEqual([bob.userId]);
    for (const id of [withAdmin, noAdmin, twoAdmins, alone, bobs]) {
      expect((await membership(id))[ada.userId]?.active, id).toBe(false);
    }
    // Ended in the deletion's transaction, at the deletion's time; the rows stay.
    const deletedAt = (
      await testDb.database.db
        .selectFrom('users')
        .select('deleted_at')
        .where('id', '=', ada.userId)
        .executeTakeFirstOrThrow()
    ).deleted_at;
    const leftAt = await testDb.database.db
      .selectFrom('conversation_members')
      .select('left_at')
      .where('user_id', '=', ada.userId)
      .execute();
    expect(leftAt).toHaveLength(5);
    for (const row of leftAt) expect(row.left_at).toEqual(deletedAt);

    // Members see the new owner without the deleted account, live and on reload.
    const live = await listener.next('conversation', (f) => f.conversation.id === withAdmin);
    expect(live.conversation.members.map((m) => m.id).sort()).toEqual(
      [bob.userId, cyd.userId, dan.userId].sort(),
    );
    expect(live.conversation.members.find((m) => m.role === 'owner')?.id).toBe(cyd.userId);
    const seen = await call(app, 'GET', `/api/conversations/${withAdmin}`, { session: bob.session });
    expect(seen.json().members).not.toContainEqual(expect.objectContaining({ id: ada.userId }));
    expect(seen.json().readOnly).toBe(false);
    listener.close();
  });

  it('uses the same rule when an owner leaves; the last member leaving leaves no owner', async () => {
    const [ada, bob, cyd] = (await users(3)) as [User, User, User];
    const id = await group(ada, [
      { user: bob, joined: 1 },
      { user: cyd, joined: 2, role: 'admin' },
    ]);
    const leave = (user: User) =>
      call(app, 'DELETE', `/api/conversations/${id}/members/${user.userId}`, { session: user.session });
    expect((await leave(ada)).statusCode).toBe(204);
    expect(await ownersOf(id)).toEqual([cyd.userId]);
    expect((await leave(cyd)).statusCode).toBe(204);
    expect(await ownersOf(id)).toEqual([bob.userId]);
    expect((await leave(bob)).statusCode).toBe(204);
    expect(await ownersOf(id)).toEqual([]);
    expect(Object.values(await membership(id)).every((m) => !m.active)).toBe(true);
  });

  it('a deletion that fails part-way changes no membership (one transaction with the deletion)', async () => {
    const [ada, bob] = (await users(2)) as [User, User];
    const id = await group(ada, [{ user: bob, joined: 1 }]);
    const before = await membership(id);
    const dropTrigger = await failUserDeletion(ada.userId);
    try {
      const failed = await deleteAccount(ada);
      expect(failed.statusCode).toBe(500);
    } finally {
      await dropTrigger();
    }
    expect(await membership(id)).toEqual(before);
    expect((await call(app, 'GET', '/api/me', { session: ada.session })).statusCode).toBe(200);
    expect((await deleteAccount(ada)).statusCode).toBe(204);
    expect(await ownersOf(id)).toEqual([bob.userId]);
  });

  it('migration 0008 repairs groups left with a deleted owner, and running it again changes nothing', async () => {
    const [ada, bob, cyd] = (await users(3)) as [User, User, User];
    const id = await group(ada, [
      { user: bob, joined: 2 },
      { user: cyd, joined: 1 },
    ]);
    const onlyDeleted = await group(ada, []);
    // The state an account deletion left before this change: the user row deleted, memberships untouched.
    await testDb.database.db
      .updateTable('users')
      .set({ deleted_at: at(30) })
      .where('id', '=', ada.userId)
      .execute();
    await repairOwnership(testDb.database.db);
    expect(await ownersOf(id)).toEqual([cyd.userId]);
    expect(await ownersOf(onlyDeleted)).toEqual([]);
    const left = await testDb.database.db
      .selectFrom('conversation_members')
      .select('left_at')
      .where('user_id', '=', ada.userId)
      .execute();
    expect(left.map((r) => r.left_at)).toEqual([at(30), at(30)]);
    const snapshot = await membership(id);
    await repairOwnership(testDb.database.db);
    expect(await membership(id)).toEqual(snapshot);
  });

  /** Makes the UPDATE that soft-deletes this user fail, as a crash or a lost connection would. */
  async function failUserDeletion(userId: string): Promise<() => Promise<void>> {
    if (kind === 'sqlite') {
      await sql
        .raw(
          `create trigger fail_user_deletion before update of deleted_at on users
           when new.id = '${userId}' and new.deleted_at is not null
           begin select raise(abort, 'injected failure'); end`,
        )
        .execute(testDb.database.db);
      return async () => {
        await sql.raw('drop trigger fail_user_deletion').execute(testDb.database.db);
      };
    }
    const admin = await createConnection(testDb.adminSchemaUrl as string);
    await admin.query(
      `create trigger fail_user_deletion before update on users for each row
       begin
         if new.id = '${userId}' and new.deleted_at is not null then
           signal sqlstate '45000' set message_text = 'injected failure';
         end if;
       end`,
    );
    return async () => {
      await admin.query('drop trigger fail_user_deletion');
      await admin.end();
    };
  }
});
