import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { rotateKeyring } from '../../src/platform/tokens/keyring.js';
import { buildTestApp } from '../helpers/app.js';
import { call, reauthenticatedSession, type Session, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createMemoryKeyringSource, type MemoryKeyringSource } from '../helpers/memory-keyring-source.js';
import { createDirect, send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const HOUR = 60 * 60 * 1000;
/** Beyond the 30 s clock tolerance tokens are verified with. */
const PAST_TOLERANCE = 31_000;

/** Resolves after the server has pinged this socket `count` more times (each ping is a re-check). */
function heartbeats(client: WsClient, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onPing = () => {
      seen += 1;
      if (seen < count) return;
      client.socket.off('ping', onPing);
      resolve();
    };
    client.socket.on('ping', onPing);
  });
}

/** What a browser does with a re-issued session cookie: keeps the newest. */
function refreshed(response: LightMyRequestResponse): Session {
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((c) => c.name.endsWith('parley_session'));
  if (!cookie) throw new Error('the session cookie was not re-issued');
  return { token: cookie.value, cookie: `${cookie.name}=${cookie.value}` };
}

describe.each(DB_KINDS)('WebSocket credentials over time on %s (injected clock)', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let clock: TestClock;
  let keyrings: MemoryKeyringSource;
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url, WS_HEARTBEAT_MS: '100' } });
  });
  afterEach(async () => {
    for (const client of open.splice(0)) client.close();
    await app?.close();
  });
  afterAll(async () => {
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function start(): Promise<void> {
    clock = new TestClock();
    keyrings = createMemoryKeyringSource(clock.now());
    app = await buildTestApp(testDb, { now: clock.now, platform: { keyrings } });
    await app.listen({ port: 0, host: '127.0.0.1' });
  }

  async function tab(cookie: string): Promise<WsClient> {
    const client = await connectWs(app, { cookie });
    open.push(client);
    return client;
  }

  it('closes with session_expired/4002 within one heartbeat of the token expiring, not before', async () => {
    await start();
    const ada: User = await signUp(app, smtp);
    const socket = await tab(ada.session.cookie);
    const ready = await socket.next('ready');
    const expiresAt = Date.parse(ready.expiresAt ?? '');
    expect(expiresAt - clock.now().getTime()).toBeGreaterThan(24 * HOUR - 60_000);
    expect(expiresAt - clock.now().getTime()).toBeLessThanOrEqual(24 * HOUR);

    clock.advance(expiresAt - clock.now().getTime() - 60_000);
    await heartbeats(socket, 3);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    clock.advance(60_000);
    expect(await socket.closed).toEqual({ code: 4002, reason: 'session expired' });
    expect(socket.frames.map((f) => f.type)).toEqual(['ready', 'session_expired']);
    // The session itself is still live: the token is what ran out.
    const row = await testDb.database.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('user_id', '=', ada.userId)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
  });

  it('a client that refreshed its session reconnects after 4002 and resumes without losing a message', async () => {
    await start();
    let [ada, bob] = [await signUp(app, smtp), await signUp(app, smtp)];
    const direct = await createDirect(app, bob.session, ada.userId);
    const first = await tab(ada.session.cookie);
    await first.next('ready');
    const m1 = await send(app, bob.session, direct.id, 'one');
    expect((await first.next('message')).message.id).toBe(m1.id);

    // While the socket is open the tab refreshes its session now and then (the web app does so
    // periodically): an old enough token comes back re-issued.
    clock.advance(2 * HOUR);
    ada = {
      ...ada,
      session: refreshed(await call(app, 'GET', '/api/me', { session: ada.session })),
    };
    bob = {
      ...bob,
      session: refreshed(await call(app, 'GET', '/api/me', { session: bob.session })),
    };

    // The socket's own token (from the connect) expires; the socket is told, then closed.
    clock.advance(22 * HOUR + PAST_TOLERANCE);
    expect((await first.closed).code).toBe(4002);
    // Sent while the tab is between sockets.
    const m2 = await send(app, bob.session, direct.id, 'two while reconnecting');

    // The tab refreshes (still signed in: the re-issued token is valid) and reconnects with resume.
    expect((await call(app, 'GET', '/api/me', { session: ada.session })).statusCode).toBe(200);
    const second = await tab(ada.session.cookie);
    await second.next('ready');
    second.send({ type: 'resume', positions: { [direct.id]: { seq: m1.seq, rev: m1.rev } } });
    await second.next('resumed');
    const missed = second.frames.flatMap((f) => (f.type === 'message' ? [f.message] : []));
    expect(missed.map((m) => [m.id, m.body])).toEqual([[m2.id, 'two while reconnecting']]);
    const m3 = await send(app, bob.session, direct.id, 'three, live');
    expect((await second.next('message', (f) => f.message.seq === m3.seq)).message.id).toBe(m3.id);
  });

  it('after a re-authentication a socket on the token from before is told 4002, and only the new token reconnects', async () => {
    await start();
    const ada = await signUp(app, smtp);
    const captured = ada.session;
    const socket = await tab(captured.cookie);
    await socket.next('ready');
    await heartbeats(socket, 2);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    const renewed = reauthenticatedSession(
      await call(app, 'POST', '/api/auth/reauthenticate', {
        session: captured,
        body: { password: ada.password },
      }),
    );
    // Not a session end (no 4001): the token was replaced, so the holder of the new one reconnects.
    expect(await socket.closed).toEqual({ code: 4002, reason: 'session expired' });
    expect(socket.frames.map((f) => f.type)).toEqual(['ready', 'session_expired']);
    const stale = await connectWs(app, { cookie: captured.cookie });
    open.push(stale);
    expect((await stale.closed).code).toBe(4401);
    const fresh = await tab(renewed.cookie);
    await fresh.next('ready');
  });

  it('a token that expired unrefreshed cannot be refreshed: the client must sign in again', async () => {
    await start();
    const ada = await signUp(app, smtp);
    const socket = await tab(ada.session.cookie);
    await socket.next('ready');
    clock.advance(24 * HOUR + PAST_TOLERANCE);
    expect((await socket.closed).code).toBe(4002);
    const me = await call(app, 'GET', '/api/me', { session: ada.session });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('unauthenticated');
  });

  it('a scheduled rotation keeps sockets open; removing the key that signed their token closes them with 4001', async () => {
    await start();
    const ada = await signUp(app, smtp);
    const socket = await tab(ada.session.cookie);
    await socket.next('ready');

    // The monthly rotation adds a signer and keeps the old key while its tokens may live.
    clock.advance(HOUR);
    keyrings.keyrings.active_session = rotateKeyring(keyrings.keyrings.active_session, clock.now(), {
      retainMs: 30 * 24 * HOUR,
    });
    await heartbeats(socket, 3);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    // An operator retires the old (compromised) key: only the new one remains.
    const newest = keyrings.keyrings.active_session.keys.at(-1);
    if (!newest) throw new Error('no key');
    keyrings.keyrings.active_session = { keys: [newest] };
    expect(await socket.closed).toEqual({ code: 4001, reason: 'session revoked' });
    expect(socket.frames.map((f) => f.type)).toEqual(['ready', 'session_revoked']);
    // HTTP agrees: the token no longer verifies.
    expect((await call(app, 'GET', '/api/me', { session: ada.session })).statusCode).toBe(401);
  });
});
