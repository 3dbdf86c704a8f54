import type { Conversation, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { FollowedConversations } from '../../src/modules/realtime/followed-conversations.js';
import { createLocalEventBus } from '../../src/platform/bus/local-event.bus.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Renames allowed per user per hour in this file (LIMIT_PROFILE_CHANGES). */
const RENAMES = 3;

/** Issue 13: a new display name reaches everyone who sees it, live, once per socket. */
describe.each(DB_KINDS)('display name changes on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cy: User;
  let dan: User;
  let eve: User;
  let group: Conversation;
  const open: WsClient[] = [];

  const tab = async (user: User) => {
    const client = await connectWs(app, { cookie: user.session.cookie });
    open.push(client);
    await client.next('ready');
    return client;
  };
  const rename = (session: Session, displayName: string) =>
    call(app, 'PATCH', '/api/me', { session, body: { displayName } });
  /** Every frame the socket got until now: a ping's pong comes after everything sent before it. */
  const settled = async (client: WsClient): Promise<ServerFrame[]> => {
    client.send({ type: 'ping' });
    await client.next('pong');
    return [...client.frames];
  };
  const updates = (frames: ServerFrame[]) => frames.filter((frame) => frame.type === 'user_updated');

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, {
      env: { SMTP_URL: smtp.url, LIMIT_PROFILE_CHANGES: `${RENAMES}/3600s` },
    });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, bob, cy, dan, eve] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cy' }),
      signUp(app, smtp, { displayName: 'Dan' }),
      signUp(app, smtp, { displayName: 'Eve' }),
    ]);
    // Bob shares a group and a direct conversation with Ada; Dan a direct one; Cy left the group; Eve
    // shares nothing with Ada.
    group = await createGroup(app, ada.session, 'Crew', [bob.userId, cy.userId]);
    await createDirect(app, ada.session, bob.userId);
    await createDirect(app, ada.session, dan.userId);
    const left = await call(app, 'DELETE', `/api/conversations/${group.id}/members/${cy.userId}`, {
      session: cy.session,
    });
    expect(left.statusCode, left.body).toBe(204);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('reaches every member of the user’s conversations and the user’s other tabs, once each', async () => {
    const [adaElsewhere, bobTab, danTab, cyTab, eveTab] = await Promise.all([
      tab(ada),
      tab(bob),
      tab(dan),
      tab(cy),
      tab(eve),
    ]);
    const renamed = await rename(ada.session, 'Ada Lovelace');
    expect(renamed.statusCode, renamed.body).toBe(200);
    const expected = { type: 'user_updated', user: { id: ada.userId, displayName: 'Ada Lovelace' } };
    // Bob hears of it from two conversations, and gets it once.
    for (const client of [adaElsewhere, bobTab, danTab])
      expect(updates(await settled(client))).toEqual([expected]);
    // Cy left the group and Eve shares nothing with Ada: nothing for them.
    for (const client of [cyTab, eveTab]) expect(updates(await settled(client))).toEqual([]);
    // Reads say the same.
    const seen = await call(app, 'GET', `/api/conversations/${group.id}`, { session: bob.session });
    expect(seen.json().members).toContainEqual({
      id: ada.userId,
      displayName: 'Ada Lovelace',
      role: 'owner',
    });
  });

  it('a former member’s new name reaches the members who still see their messages', async () => {
    const [adaTab, bobTab] = await Promise.all([tab(ada), tab(bob)]);
    const renamed = await rename(cy.session, 'Cyrus');
    expect(renamed.statusCode, renamed.body).toBe(200);
    const expected = { type: 'user_updated', user: { id: cy.userId, displayName: 'Cyrus' } };
    for (const client of [adaTab, bobTab]) expect(updates(await settled(client))).toEqual([expected]);
    const seen = await call(app, 'GET', `/api/conversations/${group.id}`, { session: ada.session });
    expect(seen.json().formerMembers).toEqual([{ id: cy.userId, displayName: 'Cyrus' }]);
  });

  it(`is limited to ${RENAMES} per hour per user (LIMIT_PROFILE_CHANGES); a refused change announces nothing`, async () => {
    const adaTab = await tab(ada);
    const statuses: number[] = [];
    // Dan has not renamed before: RENAMES go through, the next is refused.
    for (let index = 1; index <= RENAMES + 1; index += 1) {
      statuses.push((await rename(dan.session, `Dan ${index}`)).statusCode);
    }
    expect(statuses).toEqual([...Array(RENAMES).fill(200), 429]);
    const me = await call(app, 'GET', '/api/me', { session: dan.session });
    expect(me.json().displayName).toBe(`Dan ${RENAMES}`);
    // Ada (a direct conversation with Dan) heard of each stored change, and not of the refused one.
    expect(
      updates(await settled(adaTab)).map((frame) => frame.type === 'user_updated' && frame.user),
    ).toEqual(
      Array.from({ length: RENAMES }, (_, index) => ({ id: dan.userId, displayName: `Dan ${index + 1}` })),
    );
  });
});

describe('one socket and many announcements of a profile change', () => {
  it('passes each change on once and never an older one after a newer one', () => {
    const sent: ServerFrame[] = [];
    const following = new FollowedConversations({
      bus: createLocalEventBus(),
      db: undefined as never,
      userId: 'me',
      send: (frame) => sent.push(frame),
      onError: (error) => {
        throw error;
      },
    });
    const ada = (displayName: string) => ({ id: 'ada', displayName });
    following.userChanged(ada('Ada 2'), '2026-01-01T00:00:02.000Z');
    following.userChanged(ada('Ada 2'), '2026-01-01T00:00:02.000Z');
    following.userChanged(ada('Ada 1'), '2026-01-01T00:00:01.000Z');
    following.userChanged({ id: 'bob', displayName: 'Bob 1' }, '2026-01-01T00:00:01.000Z');
    following.userChanged(ada('Ada 3'), '2026-01-01T00:00:03.000Z');
    // Another name in the same millisecond cannot be ordered, so it is passed on too (once).
    following.userChanged(ada('Ada 3b'), '2026-01-01T00:00:03.000Z');
    following.userChanged(ada('Ada 3b'), '2026-01-01T00:00:03.000Z');
    expect(sent).toEqual([
      { type: 'user_updated', user: ada('Ada 2') },
      { type: 'user_updated', user: { id: 'bob', displayName: 'Bob 1' } },
      { type: 'user_updated', user: ada('Ada 3') },
      { type: 'user_updated', user: ada('Ada 3b') },
    ]);
    following.close();
    following.userChanged(ada('Ada 4'), '2026-01-01T00:00:04.000Z');
    expect(sent).toHaveLength(4);
  });
});
