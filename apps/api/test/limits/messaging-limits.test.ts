import { randomBytes, randomUUID } from 'node:crypto';
import { ServerFrame, WS_CLOSE_RATE_LIMITED } from '@parley/contract';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp, TestClock } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Small limits, so each is reached in a few requests; every test uses its own users. */
const LIMITS = {
  LIMIT_MESSAGES: '3/60s',
  LIMIT_MESSAGE_EDITS: '2/60s',
  LIMIT_READ_MARKERS: '2/60s',
  LIMIT_TYPING: '2/60s',
  LIMIT_LOOKUPS: '2/60s',
  LIMIT_CONVERSATIONS_CREATED: '2/3600s',
  LIMIT_MEMBERS_ADDED: '2/3600s',
  LIMIT_MEMBERS_REMOVED: '1/3600s',
  LIMIT_CONVERSATION_CHANGES: '3/3600s',
  LIMIT_WS_CONNECTS: '5/60s',
  LIMIT_WS_FRAMES: '5/60s',
  LIMIT_WS_SOCKETS_PER_USER: '2',
  LIMIT_WS_SOCKETS_PER_IP: '3',
};

/** A 429 as the contract says: `rate_limited`, `Retry-After` in whole seconds, the same in details. */
function expectRateLimited(response: LightMyRequestResponse, windowSeconds: number): void {
  expect(response.statusCode, response.body).toBe(429);
  const body = response.json();
  expect(body.error.code).toBe('rate_limited');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(body.error.details).toEqual({ retryAfter });
}

const randomIpv4 = () => `10.${randomBytes(3).join('.')}`;

describe.each(DB_KINDS)('per-user and per-socket limits on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();
  const open: WsClient[] = [];

  /** A socket from its own address (unless named), so the per-address cap stays out of other tests. */
  async function ws(options: Parameters<typeof connectWs>[1] = {}): Promise<WsClient> {
    const client = await connectWs(app, { forwardedFor: randomIpv4(), ...options });
    open.push(client);
    return client;
  }
  const tab = async (user: User) => {
    const client = await ws({ cookie: user.session.cookie });
    await client.next('ready');
    return client;
  };
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => signUp(app, smtp)));
  const messagesIn = async (conversationId: string) =>
    Number(
      (
        await testDb.database.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('conversation_id', '=', conversationId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const post = (session: Session, conversationId: string, body: string, clientId = randomUUID()) =>
    call(app, 'POST', `/api/conversations/${conversationId}/messages`, { session, body: { clientId, body } });

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url, ...LIMITS } });
    app = await buildTestApp(testDb, { now: clock.now });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('HTTP sends: LIMIT_MESSAGES per user, then 429 with Retry-After; nothing stored; others unaffected; a new window allows again', async () => {
    const [ada, bob] = (await users(2)) as [User, User];
    const direct = await createDirect(app, ada.session, bob.userId);
    for (let i = 0; i < 3; i += 1) expect((await post(ada.session, direct.id, `m${i}`)).statusCode).toBe(201);
    expectRateLimited(await post(ada.session, direct.id, 'one too many'), 60);
    expect(await messagesIn(direct.id)).toBe(3);
    // Bob, in the same conversation, is not limited by Ada's sending.
    expect((await post(bob.session, direct.id, 'from bob')).statusCode).toBe(201);
    clock.advance(60_000);
    expect((await post(ada.session, direct.id, 'later')).statusCode).toBe(201);
    expect(await messagesIn(direct.id)).toBe(5);
  });

  it('WebSocket sends spend the same allowance: an error frame names the clientId, the socket stays open, nothing is stored, others are unaffected', async () => {
    const [cyd, dan] = (await users(2)) as [User, User];
    const direct = await createDirect(app, cyd.session, dan.userId);
    await send(app, cyd.session, direct.id, 'http 1');
    await send(app, cyd.session, direct.id, 'http 2');
    const [c, d] = [await tab(cyd), await tab(dan)];
    c.send({ type: 'send', conversationId: direct.id, clientId: randomUUID(), body: 'ws 1' });
    expect((await c.next('ack')).message.seq).toBe(3);
    const refusedId = randomUUID();
    c.send({ type: 'send', conversationId: direct.id, clientId: refusedId, body: 'ws 2' });
    const error = await c.next('error');
    expect(error).toMatchObject({ type: 'error', clientId: refusedId, error: { code: 'rate_limited' } });
    expect(ServerFrame.safeParse(error).success).toBe(true);
    const { retryAfter } = error.error.details as { retryAfter: number };
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expectRateLimited(await post(cyd.session, direct.id, 'http 3'), 60);
    expect(await messagesIn(direct.id)).toBe(3);
    // Dan sends over his socket and both see it: Cyd's socket is open and still receiving.
    const danId = randomUUID();
    d.send({ type: 'send', conversationId: direct.id, clientId: danId, body: 'dan' });
    expect((await d.next('ack')).clientId).toBe(danId);
    expect((await c.next('message', (f) => f.message.clientId === danId)).message.body).toBe('dan');
    // After the window the client retries with the same clientId, and it is stored once.
    clock.advance(60_000);
    c.send({ type: 'send', conversationId: direct.id, clientId: refusedId, body: 'ws 2' });
    expect((await c.next('ack')).clientId).toBe(refusedId);
    expect(await messagesIn(direct.id)).toBe(5);
    expect(c.socket.readyState).toBe(c.socket.OPEN);
  });

  it('edits and deletes share LIMIT_MESSAGE_EDITS; read markers have LIMIT_READ_MARKERS; lookups LIMIT_LOOKUPS', async () => {
    const [eve, fay] = (await users(2)) as [User, User];
    const direct = await createDirect(app, eve.session, fay.userId);
    const [first, second] = [
      await send(app, eve.session, direct.id, 'one'),
      await send(app, eve.session, direct.id, 'two'),
    ];
    const edit = (id: string, body: string) =>
      call(app, 'PATCH', `/api/messages/${id}`, { session: eve.session, body: { body } });
    expect((await edit(first.id, 'one, edited')).statusCode).toBe(200);
    expect(
      (await call(app, 'DELETE', `/api/messages/${second.id}`, { session: eve.session })).statusCode,
    ).toBe(204);
    expectRateLimited(await edit(first.id, 'one, edited again'), 60);
    expectRateLimited(await call(app, 'DELETE', `/api/messages/${first.id}`, { session: eve.session }), 60);
    const stored = await testDb.database.db
      .selectFrom('messages')
      .select(['body', 'deleted_at'])
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ body: 'one, edited', deleted_at: null });
    // Fay's edits are her own allowance.
    const hers = await send(app, fay.session, direct.id, 'hers');
    expect(
      (await call(app, 'PATCH', `/api/messages/${hers.id}`, { session: fay.session, body: { body: 'x' } }))
        .statusCode,
    ).toBe(200);

    const read = (seq: number) =>
      call(app, 'POST', `/api/conversations/${direct.id}/read`, { session: fay.session, body: { seq } });
    expect((await read(1)).statusCode).toBe(204);
    expect((await read(2)).statusCode).toBe(204);
    expectRateLimited(await read(3), 60);
    const marker = await testDb.database.db
      .selectFrom('conversation_members')
      .select('last_read_seq')
      .where('conversation_id', '=', direct.id)
      .where('user_id', '=', fay.userId)
      .executeTakeFirstOrThrow();
    expect(Number(marker.last_read_seq)).toBe(2);

    const lookup = () =>
      call(app, 'GET', `/api/users/lookup?email=${encodeURIComponent(fay.email)}`, { session: eve.session });
    expect((await lookup()).statusCode).toBe(200);
    expect((await lookup()).statusCode).toBe(200);
    expectRateLimited(await lookup(), 60);
  });

  it('conversations created and members added or removed per hour, per user; a refused change changes nothing', async () => {
    const [gus, hal, ian, jan, kim] = (await users(5)) as [User, User, User, User, User];
    const group = await createGroup(app, gus.session, 'Capped', [hal.userId]);
    await createDirect(app, gus.session, ian.userId);
    const conversationsBefore = await countRows(testDb.database.db, 'conversations');
    expectRateLimited(
      await call(app, 'POST', '/api/conversations', {
        session: gus.session,
        body: { type: 'group', title: 'Third', memberIds: [jan.userId] },
      }),
      3600,
    );
    expect(await countRows(testDb.database.db, 'conversations')).toBe(conversationsBefore);
    // Someone else still creates conversations.
    await createDirect(app, hal.session, jan.userId);

    const add = (userId: string) =>
      call(app, 'POST', `/api/conversations/${group.id}/members`, { session: gus.session, body: { userId } });
    expect((await add(ian.userId)).statusCode).toBe(204);
    expect((await add(jan.userId)).statusCode).toBe(204);
    expectRateLimited(await add(kim.userId), 3600);
    const remove = (userId: string) =>
      call(app, 'DELETE', `/api/conversations/${group.id}/members/${userId}`, { session: gus.session });
    expect((await remove(ian.userId)).statusCode).toBe(204);
    expectRateLimited(await remove(jan.userId), 3600);
    const members = await testDb.database.db
      .selectFrom('conversation_members')
      .select('user_id')
      .where('conversation_id', '=', group.id)
      .where('left_at', 'is', null)
      .execute();
    expect(members.map((m) => m.user_id).sort()).toEqual([gus.userId, hal.userId, jan.userId].sort());
    // Leaving is a member change of the one who leaves, on their own allowance.
    expect(
      (
        await call(app, 'DELETE', `/api/conversations/${group.id}/members/${hal.userId}`, {
          session: hal.session,
        })
      ).statusCode,
    ).toBe(204);
  });

  it('renames, role changes and mute/archive share LIMIT_CONVERSATION_CHANGES per user; a refused one changes nothing', async () => {
    const [lea, max] = (await users(2)) as [User, User];
    const group = await createGroup(app, lea.session, 'Changes', [max.userId]);
    const rename = (title: string) =>
      call(app, 'PATCH', `/api/conversations/${group.id}`, { session: lea.session, body: { title } });
    expect((await rename('One')).statusCode).toBe(200);
    expect(
      (
        await call(app, 'PUT', `/api/conversations/${group.id}/members/${max.userId}/role`, {
          session: lea.session,
          body: { role: 'admin' },
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await call(app, 'PATCH', `/api/conversations/${group.id}/settings`, {
          session: lea.session,
          body: { muted: true },
        })
      ).statusCode,
    ).toBe(200);
    const seqBefore = (
      await call(app, 'GET', `/api/conversations/${group.id}`, { session: lea.session })
    ).json().lastSeq;
    expectRateLimited(await rename('Two'), 3600);
    const after = (await call(app, 'GET', `/api/conversations/${group.id}`, { session: lea.session })).json();
    expect(after).toMatchObject({ title: 'One', lastSeq: seqBefore });
    // Max (now an admin) has his own allowance.
    expect(
      (
        await call(app, 'PATCH', `/api/conversations/${group.id}`, {
          session: max.session,
          body: { title: 'Three' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('typing frames: LIMIT_TYPING per user across conversations, answered with an error frame; the socket stays open', async () => {
    const [kat, ...peers] = (await users(4)) as [User, ...User[]];
    const directs = [];
    for (const peer of peers) directs.push(await createDirect(app, peer.session, kat.userId));
    const [p0] = [await tab(peers[0] as User)];
    const k = await tab(kat);
    k.send({ type: 'typing', conversationId: (directs[0] as { id: string }).id });
    expect((await p0.next('typing')).userId).toBe(kat.userId);
    k.send({ type: 'typing', conversationId: (directs[1] as { id: string }).id });
    k.send({ type: 'typing', conversationId: (directs[2] as { id: string }).id });
    const error = await k.next('error');
    expect(error.error.code).toBe('rate_limited');
    expect(error.clientId).toBeUndefined();
    k.send({ type: 'ping' });
    await k.next('pong');
  });

  it('frames per socket: LIMIT_WS_FRAMES, whatever the frame; over it each frame gets rate_limited (naming a send), nothing is stored, other sockets are unaffected', async () => {
    const [lou, max] = (await users(2)) as [User, User];
    const direct = await createDirect(app, lou.session, max.userId);
    const flooder = await tab(lou);
    const other = await tab(lou);
    for (let i = 0; i < 5; i += 1) flooder.send({ type: 'ping' });
    for (let i = 0; i < 5; i += 1) await flooder.next('pong');
    flooder.send({ type: 'ping' });
    const clientId = randomUUID();
    flooder.send({ type: 'send', conversationId: direct.id, clientId, body: 'flooded' });
    flooder.sendRaw('not json');
    const errors = [await flooder.next('error'), await flooder.next('error'), await flooder.next('error')];
    expect(errors.map((e) => e.error.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
    expect(errors.map((e) => e.clientId)).toEqual([undefined, clientId, undefined]);
    expect(flooder.frames.filter((f) => f.type === 'pong')).toHaveLength(5);
    expect(await messagesIn(direct.id)).toBe(0);
    // Another socket of the same user has its own budget.
    other.send({
      type: 'send',
      conversationId: direct.id,
      clientId: randomUUID(),
      body: 'from the other tab',
    });
    await other.next('ack');
    // The flooding socket stayed open and works again in the next window.
    clock.advance(60_000);
    flooder.send({ type: 'ping' });
    await flooder.next('pong');
  });

  it('open sockets per user: the one over LIMIT_WS_SOCKETS_PER_USER gets rate_limited and close 4029; a slot frees when a socket closes', async () => {
    const [ned] = (await users(1)) as [User];
    const first = await tab(ned);
    await tab(ned);
    const third = await ws({ cookie: ned.session.cookie });
    expect((await third.next('error')).error).toMatchObject({
      code: 'rate_limited',
      details: { retryAfter: 30 },
    });
    expect((await third.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    expect(third.frames.some((f) => f.type === 'ready')).toBe(false);
    // The same holds for a socket that authenticates with a first frame.
    const byFrame = await ws({ origin: null, token: ned.session.token });
    expect((await byFrame.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    first.close();
    await first.closed;
    // The server releases the slot when it sees the close; the next connect (the 5th) is admitted.
    const fourth = await ws({ cookie: ned.session.cookie });
    await fourth.next('ready');
  });

  it('connects per user: LIMIT_WS_CONNECTS, even when earlier sockets are closed', async () => {
    const [ole] = (await users(1)) as [User];
    for (let i = 0; i < 5; i += 1) {
      const client = await tab(ole);
      client.close();
      await client.closed;
    }
    const refused = await ws({ cookie: ole.session.cookie });
    expect((await refused.next('error')).error.code).toBe('rate_limited');
    expect((await refused.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    clock.advance(60_000);
    await tab(ole);
  });

  it('open sockets per address: LIMIT_WS_SOCKETS_PER_IP, signed in or not, counting an IPv6 /64 as one address', async () => {
    const prefix = `2001:db8:${randomBytes(2).toString('hex')}:1`;
    const held = [];
    for (let i = 1; i <= 3; i += 1) {
      const client = await ws({ origin: null, forwardedFor: `${prefix}::${i}` });
      client.send({ type: 'ping' });
      await client.next('pong');
      held.push(client);
    }
    const refused = await ws({ origin: null, forwardedFor: `${prefix}:ffff:ffff:ffff:ffff` });
    expect((await refused.next('error')).error.code).toBe('rate_limited');
    expect((await refused.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    // The neighbouring /64 and IPv4 clients are other addresses.
    const neighbour = await ws({ origin: null, forwardedFor: `${prefix.slice(0, -1)}2::1` });
    neighbour.send({ type: 'ping' });
    await neighbour.next('pong');
    // An IPv4-mapped IPv6 address counts as the IPv4 address.
    const v4 = randomIpv4();
    for (const address of [v4, `::ffff:${v4}`, v4]) {
      const client = await ws({ origin: null, forwardedFor: address });
      client.send({ type: 'ping' });
      await client.next('pong');
    }
    const mapped = await ws({ origin: null, forwardedFor: `::ffff:${v4}` });
    expect((await mapped.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    // Closing one frees its slot.
    (held[0] as WsClient).close();
    await (held[0] as WsClient).closed;
    await expect
      .poll(async () => {
        const retry = await ws({ origin: null, forwardedFor: `${prefix}::9` });
        retry.send({ type: 'ping' });
        const outcome = await Promise.race([
          retry.next('pong').then(() => 'open'),
          retry.closed.then(() => 'closed'),
        ]);
        return outcome;
      })
      .toBe('open');
  });
});
