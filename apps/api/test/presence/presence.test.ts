import type { PresenceStatus, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp, platformOf, presenceOf } from '../helpers/app.js';
import { call, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** The presence frames a client was sent about one user, in order. */
const heardOf = (client: WsClient, userId: string): PresenceStatus[] =>
  client.frames.flatMap((frame: ServerFrame) =>
    frame.type === 'presence' && frame.userId === userId ? [frame.status] : [],
  );

describe.each(DB_KINDS)('presence on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();
  const open: WsClient[] = [];
  let graceMs: number;

  async function tab(user: User): Promise<WsClient> {
    const client = await connectWs(app, { cookie: user.session.cookie });
    open.push(client);
    await client.next('ready');
    return client;
  }

  /** Closes a tab and waits until the server has counted it out of presence (at the clock's time). */
  async function closeTab(client: WsClient): Promise<void> {
    const presence = presenceOf(app);
    const before = presence.socketCount;
    client.close();
    await client.closed;
    await vi.waitFor(() => expect(presence.socketCount).toBeLessThan(before), { timeout: 10_000 });
    await presence.settled();
  }

  /** Through Settings → Notifications' route: it saves the choice and applies it to presence at once. */
  async function setVisible(user: User, visible: boolean): Promise<void> {
    const response = await call(app, 'PATCH', '/api/me/notification-settings', {
      session: user.session,
      body: { presenceVisible: visible },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ presenceVisible: visible });
  }

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb, { now: clock.now });
    await app.listen({ port: 0, host: '127.0.0.1' });
    graceMs = app.config.presenceGraceMs;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it('co-members hear online, then offline once the grace period is over; a stranger hears nothing', async () => {
    const [ada, bob, carol] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Carol' }),
    ]);
    await createDirect(app, bob.session, ada.userId);
    const watcher = await tab(bob);
    const stranger = await tab(carol);
    const adaTab = await tab(ada);
    expect(await watcher.next('presence', (f) => f.userId === ada.userId)).toEqual({
      type: 'presence',
      userId: ada.userId,
      status: 'online',
    });
    await closeTab(adaTab);
    clock.advance(graceMs + 1_000);
    await presenceOf(app).sweep();
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'offline');
    expect(heardOf(watcher, ada.userId)).toEqual(['online', 'offline']);
    expect(stranger.frames.filter((frame) => frame.type === 'presence')).toEqual([]);
  });

  it('a reload within the grace period sends no offline (and no second online)', async () => {
    const [ada, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
    await createDirect(app, ada.session, bob.userId);
    const watcher = await tab(bob);
    const first = await tab(ada);
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    await closeTab(first);
    clock.advance(graceMs / 3);
    const reloaded = await tab(ada);
    await presenceOf(app).settled();
    // Past the grace period of the first page's socket: nothing is due, nothing is sent.
    clock.advance(graceMs);
    await presenceOf(app).sweep();
    // Now really gone: the next frame about Ada is her offline, and it is the first one since online.
    await closeTab(reloaded);
    clock.advance(graceMs + 1_000);
    await presenceOf(app).sweep();
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'offline');
    expect(heardOf(watcher, ada.userId)).toEqual(['online', 'offline']);
  });

  it('away when every tab reports idle, online again when one is active', async () => {
    const [ada, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
    await createGroup(app, bob.session, 'Team', [ada.userId]);
    const watcher = await tab(bob);
    const laptop = await tab(ada);
    const phone = await tab(ada);
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    phone.send({ type: 'activity', state: 'idle' });
    laptop.send({ type: 'activity', state: 'idle' });
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'away');
    phone.send({ type: 'activity', state: 'active' });
    await watcher.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
    expect(heardOf(watcher, ada.userId)).toEqual(['online', 'away', 'online']);
    // A bad activity frame is refused like any bad frame, and changes nothing.
    phone.send({ type: 'activity', state: 'asleep' });
    expect((await phone.next('error')).error.code).toBe('validation_failed');
  });

  it('ready lists co-members who are online or away; not strangers, not hidden users, not oneself', async () => {
    const [ada, bob, carol, dan, eve] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Carol' }),
      signUp(app, smtp, { displayName: 'Dan' }),
      signUp(app, smtp, { displayName: 'Eve' }),
    ]);
    await createGroup(app, bob.session, 'Crew', [ada.userId, dan.userId, eve.userId]);
    await testDb.database.db
      .updateTable('users')
      .set({ presence_visible: 0 })
      .where('id', '=', dan.userId)
      .execute();
    await tab(ada);
    const eveTab = await tab(eve);
    eveTab.send({ type: 'activity', state: 'idle' });
    await tab(carol);
    await tab(dan);
    await vi.waitFor(
      async () =>
        expect((await platformOf(app).presence.read([eve.userId])).get(eve.userId)?.status).toBe('away'),
      { timeout: 10_000 },
    );
    const client = await connectWs(app, { cookie: bob.session.cookie });
    open.push(client);
    const ready = await client.next('ready');
    expect(ready.presence).toEqual({ [ada.userId]: 'online', [eve.userId]: 'away' });
  });

  it('a hidden user appears offline: nothing while hidden, their status when shown, offline when hidden again', async () => {
    const [dan, bob] = await Promise.all([
      signUp(app, smtp, { displayName: 'Dan' }),
      signUp(app, smtp, { displayName: 'Bob' }),
    ]);
    await createDirect(app, bob.session, dan.userId);
    await setVisible(dan, false);
    const watcher = await tab(bob);
    const danTab = await tab(dan);
    // Hidden, Dan goes online and then away: neither is announced.
    danTab.send({ type: 'activity', state: 'idle' });
    await vi.waitFor(
      async () =>
        expect((await platformOf(app).presence.read([dan.userId])).get(dan.userId)?.status).toBe('away'),
      { timeout: 10_000 },
    );
    await setVisible(dan, true);
    await watcher.next('presence', (f) => f.userId === dan.userId && f.status === 'away');
    await setVisible(dan, false);
    await watcher.next('presence', (f) => f.userId === dan.userId && f.status === 'offline');
    // Hidden again: going online is not heard either.
    danTab.send({ type: 'activity', state: 'active' });
    await vi.waitFor(
      async () =>
        expect((await platformOf(app).presence.read([dan.userId])).get(dan.userId)?.status).toBe('online'),
      { timeout: 10_000 },
    );
    await setVisible(dan, true);
    await watcher.next('presence', (f) => f.userId === dan.userId && f.status === 'online');
    expect(heardOf(watcher, dan.userId)).toEqual(['away', 'offline', 'online']);
    // A fresh client of Bob's sees Dan as shown now.
    const fresh = await connectWs(app, { cookie: bob.session.cookie });
    open.push(fresh);
    expect((await fresh.next('ready')).presence).toMatchObject({ [dan.userId]: 'online' });
  });

  it('someone added to a conversation hears the presence of its members at once', async () => {
    const [ada, bob, carol] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Carol' }),
    ]);
    await tab(ada);
    const carolTab = await tab(carol);
    expect(carolTab.frames.find((f) => f.type === 'ready')).toMatchObject({ presence: {} });
    await createGroup(app, bob.session, 'Late', [ada.userId, carol.userId]);
    await carolTab.next('conversation');
    await carolTab.next('presence', (f) => f.userId === ada.userId && f.status === 'online');
  });
});
