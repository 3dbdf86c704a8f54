import type { PresenceStatus, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp, presenceOf } from '../helpers/app.js';
import { signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDirect } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const heardOf = (client: WsClient, userId: string): PresenceStatus[] =>
  client.frames.flatMap((frame: ServerFrame) =>
    frame.type === 'presence' && frame.userId === userId ? [frame.status] : [],
  );

describe('presence across two instances on one MariaDB and one Redis', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  const clock = new TestClock();
  const open: WsClient[] = [];

  async function tab(app: FastifyInstance, user: User): Promise<WsClient> {
    const client = await connectWs(app, { cookie: user.session.cookie, origin: app.config.publicUrl.origin });
    open.push(client);
    await client.next('ready');
    return client;
  }

  async function closeTab(app: FastifyInstance, client: WsClient): Promise<void> {
    const presence = presenceOf(app);
    const before = presence.socketCount;
    client.close();
    await client.closed;
    await vi.waitFor(() => expect(presence.socketCount).toBeLessThan(before), { timeout: 10_000 });
    await presence.settled();
  }

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url, REDIS_URL: redis.url } });
    one = await buildTestApp(testDb, { now: clock.now });
    two = await buildTestApp(testDb, { now: clock.now });
    await one.listen({ port: 0, host: '127.0.0.1' });
    await two.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await one?.close();
    await two?.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  it('a user on one instance is seen online and offline by a co-member on the other; moving instances within the grace period is no change', async () => {
    const [ada, bob] = await Promise.all([
      signUp(one, smtp, { displayName: 'Ada' }),
      signUp(two, smtp, { displayName: 'Bob' }),
    ]);
    await createDirect(one, ada.session, bob.userId);
    const watcher = await tab(two, bob);
    const onOne = await tab(one, ada);
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    // A second tab on the other instance goes idle: the first is still active, Ada stays online.
    const onTwo = await tab(two, ada);
    onTwo.send({ type: 'activity', state: 'idle' });
    onOne.send({ type: 'activity', state: 'idle' });
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'away');
    // The page on instance one reloads onto instance two within the grace period: no change.
    await closeTab(one, onOne);
    await closeTab(two, onTwo);
    clock.advance(two.config.presenceGraceMs / 3);
    const reloaded = await tab(two, ada);
    await presenceOf(two).settled();
    reloaded.send({ type: 'activity', state: 'active' });
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    clock.advance(two.config.presenceGraceMs);
    await Promise.all([presenceOf(one).sweep(), presenceOf(two).sweep()]);
    // Gone for good: either instance's sweep announces it, once.
    await closeTab(two, reloaded);
    clock.advance(two.config.presenceGraceMs + 1_000);
    await Promise.all([presenceOf(one).sweep(), presenceOf(two).sweep()]);
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'offline');
    expect(heardOf(watcher, ada.userId)).toEqual(['online', 'away', 'online', 'offline']);
    // A fresh client of Bob's on instance one reads no status for Ada.
    const fresh = await connectWs(one, { cookie: bob.session.cookie, origin: one.config.publicUrl.origin });
    open.push(fresh);
    expect((await fresh.next('ready')).presence).toEqual({});
  });

  it("a dead instance's users go offline once their leases lapse", async () => {
    const [ada, bob] = await Promise.all([
      signUp(one, smtp, { displayName: 'Ada' }),
      signUp(two, smtp, { displayName: 'Bob' }),
    ]);
    await createDirect(one, ada.session, bob.userId);
    const watcher = await tab(two, bob);
    await tab(one, ada);
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    // Instance one stops renewing its leases without closing anything, as if its process died.
    presenceOf(one).stop();
    clock.advance(3 * one.config.wsHeartbeatMs + one.config.presenceGraceMs + 1_000);
    // Bob's own lease is renewed by his (live) instance, then its sweep finds Ada's lapsed.
    await presenceOf(two).refresh();
    await presenceOf(two).sweep();
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'offline');
    expect(heardOf(watcher, ada.userId)).toEqual(['online', 'offline']);
  });
});
