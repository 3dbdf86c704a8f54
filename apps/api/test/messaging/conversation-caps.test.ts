import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Small caps so a test reaches them: 3 conversations per user, 3 members per group. */
const CAPS = { MAX_CONVERSATIONS_PER_USER: '3', MAX_GROUP_MEMBERS: '3' };

describe.each(DB_KINDS)('conversation caps on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const users: User[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url, ...CAPS } });
    app = await buildTestApp(testDb);
    for (let i = 0; i < 9; i += 1) users.push(await signUp(app, smtp, { displayName: `U${i}` }));
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const user = (index: number) => users[index] as User;

  function expectLimit(response: LightMyRequestResponse, details: Record<string, unknown>): void {
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'limit_reached', details });
  }

  /** Everything a refused request could have changed. */
  async function snapshot() {
    const db = testDb.database.db;
    return {
      conversations: await countRows(db, 'conversations'),
      members: await db
        .selectFrom('conversation_members')
        .selectAll()
        .orderBy('conversation_id')
        .orderBy('user_id')
        .execute(),
      activity: await db.selectFrom('conversations').select(['id', 'updated_at']).orderBy('id').execute(),
    };
  }

  const create = (session: Session, body: unknown) =>
    call(app, 'POST', '/api/conversations', { session, body });
  const add = (session: Session, conversationId: string, userId: string) =>
    call(app, 'POST', `/api/conversations/${conversationId}/members`, { session, body: { userId } });
  const leave = (session: Session, conversationId: string, userId: string) =>
    call(app, 'DELETE', `/api/conversations/${conversationId}/members/${userId}`, { session });

  it('refuses a group larger than MAX_GROUP_MEMBERS, at creation and when adding, and changes nothing', async () => {
    const [owner, a, b, c] = [user(0), user(1), user(2), user(3)];
    let before = await snapshot();
    expectLimit(
      await create(owner.session, {
        type: 'group',
        title: 'Too big',
        memberIds: [a, b, c].map((u) => u.userId),
      }),
      {
        limit: 'group_members',
        max: 3,
      },
    );
    expect(await snapshot()).toEqual(before);

    const group = await createGroup(app, owner.session, 'Full', [a.userId, b.userId]);
    before = await snapshot();
    expectLimit(await add(owner.session, group.id, c.userId), { limit: 'group_members', max: 3 });
    expect(await snapshot()).toEqual(before);

    // Room again once someone leaves; the one who left cannot come back while it is full.
    expect((await leave(b.session, group.id, b.userId)).statusCode).toBe(204);
    expect((await add(owner.session, group.id, c.userId)).statusCode).toBe(204);
    before = await snapshot();
    expectLimit(await add(owner.session, group.id, b.userId), { limit: 'group_members', max: 3 });
    expect(await snapshot()).toEqual(before);
    // Adding a current member is still a no-op success at the cap.
    expect((await add(owner.session, group.id, c.userId)).statusCode).toBe(204);
  });

  it('refuses to put a user in more than MAX_CONVERSATIONS_PER_USER conversations, whoever asks', async () => {
    const [busy, x, y, z, w] = [user(4), user(5), user(6), user(7), user(8)];
    const first = await createDirect(app, x.session, busy.userId);
    await createDirect(app, y.session, busy.userId);
    const own = await createGroup(app, busy.session, 'Own', []);

    const before = await snapshot();
    const atCap = { limit: 'conversations_per_user', max: 3, userIds: [busy.userId] };
    expectLimit(await create(z.session, { type: 'direct', memberIds: [busy.userId] }), atCap);
    expectLimit(
      await create(z.session, { type: 'group', title: 'With busy', memberIds: [busy.userId] }),
      atCap,
    );
    expectLimit(await create(busy.session, { type: 'group', title: 'Mine', memberIds: [] }), atCap);
    const zGroup = await createGroup(app, z.session, 'Z', [w.userId]);
    const afterGroup = await snapshot();
    expectLimit(await add(z.session, zGroup.id, busy.userId), atCap);
    expect(await snapshot()).toEqual(afterGroup);
    expect(afterGroup.conversations).toBe(before.conversations + 1);

    // An existing direct conversation is returned as before: nothing new is created.
    const again = await create(x.session, { type: 'direct', memberIds: [busy.userId] });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.id);

    // Leaving one makes room for exactly one more.
    expect((await leave(busy.session, own.id, busy.userId)).statusCode).toBe(204);
    expect((await add(z.session, zGroup.id, busy.userId)).statusCode).toBe(204);
    expectLimit(await create(w.session, { type: 'direct', memberIds: [busy.userId] }), atCap);
  });
});
