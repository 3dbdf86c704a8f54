import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { readSecretsFile, writeSecretsFile } from '../../src/platform/secrets/secrets-file.js';
import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import { buildTestApp } from '../helpers/app.js';
import { call, login, type Session, signUp, tokenFromEmail } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup, send } from '../helpers/messaging.js';
import { closedWithin, connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../..', import.meta.url));

/** The requirement: a session end reaches the socket on the other instance within a second. */
const END_REACHES_SOCKET_MS = 1_000;

interface Scene {
  /** The user whose session ends; their socket is on instance two, authenticated with `session`. */
  victim: User;
  /** A second session of the victim's, on instance one (the "other device"). */
  other: () => Promise<Session>;
  /** A member of the same group who keeps writing. */
  peer: User;
}

/**
 * Each way a session ends, done on instance one (or by the operator CLI, or in the keyring). Returns
 * the peer's session to send with afterwards (a retired key ends the peer's token too).
 */
type End = (scene: Scene) => Promise<Session | undefined>;

describe('every session end closes the socket on the other instance at once (one MariaDB, one Redis)', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', {
      // A heartbeat far longer than the bound below: only the bus can close a socket in time.
      env: { SMTP_URL: smtp.url, REDIS_URL: redis.url, WS_HEARTBEAT_MS: '120000' },
    });
    one = await buildTestApp(testDb);
    two = await buildTestApp(testDb);
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

  /** `npm run sessions:revoke -- <email>`, from source, against this test's database and Redis. */
  function revokeCli(email: string) {
    return run(
      process.execPath,
      ['--conditions=parley-source', '--import', 'tsx', 'src/cli/sessions-revoke.ts', email],
      {
        cwd: apiDir,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: testDb.config.database.url,
          REDIS_URL: redis.url,
          DATA_DIR: testDb.config.dataDir,
          LOG_LEVEL: 'silent',
        },
      },
    );
  }

  const ends: [string, End][] = [
    [
      'logout',
      async ({ victim }) => {
        const response = await call(one, 'POST', '/api/auth/logout', { session: victim.session });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'logout everywhere (from another device)',
      async ({ other }) => {
        const response = await call(one, 'POST', '/api/auth/logout-all', { session: await other() });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'ending that session from the sessions page of another device',
      async ({ victim, other }) => {
        const device = await other();
        const list = await call(one, 'GET', '/api/sessions', { session: victim.session });
        const id = list.json().sessions.find((s: { current: boolean }) => s.current).id;
        const response = await call(one, 'DELETE', `/api/sessions/${id}`, { session: device });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'password change (on another device)',
      async ({ victim, other }) => {
        const response = await call(one, 'POST', '/api/auth/change-password', {
          session: await other(),
          body: { currentPassword: victim.password, newPassword: 'another-long-secret-77' },
        });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'password reset',
      async ({ victim }) => {
        const asked = await call(one, 'POST', '/api/auth/forgot-password', { body: { email: victim.email } });
        expect(asked.statusCode).toBe(202);
        const mail = await smtp.waitFor(victim.email, /Reset your Parley password/);
        const response = await call(one, 'POST', '/api/auth/reset-password', {
          body: { token: tokenFromEmail(mail.text, 'reset-password'), password: 'a-brand-new-secret-31' },
        });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'account deletion',
      async ({ victim }) => {
        const response = await call(one, 'DELETE', '/api/me', {
          session: victim.session,
          body: { password: victim.password },
        });
        expect(response.statusCode).toBe(204);
        return undefined;
      },
    ],
    [
      'operator revocation (npm run sessions:revoke)',
      async ({ victim }) => {
        const result = await revokeCli(victim.email);
        expect(result.stdout).toContain('ended 1 session(s)');
        expect(result.stdout).toContain('announced on Redis');
        return undefined;
      },
    ],
    [
      'retirement of the signing key (removed from the keyring)',
      async ({ peer }) => {
        // An operator drops the (compromised) active_session key: a fresh one replaces it.
        const file = testDb.config.secrets.file;
        const content = await readSecretsFile(file);
        if (!content) throw new Error('no secrets file');
        const keyrings = content.data.keyrings as Record<string, unknown>;
        await writeSecretsFile(file, {
          ...content.data,
          keyrings: { ...keyrings, active_session: { keys: [generateKeyringKey(new Date())] } },
        });
        // Instance one notices at its next use of the keyring (here: the peer signing in again).
        return login(one, peer.email, peer.password);
      },
    ],
  ];

  it.each(ends)(
    '%s: the socket on instance two gets 4001 within 1 s and nothing sent after',
    async (name, end) => {
      const [victim, peer, third] = await Promise.all([
        signUp(one, smtp, { displayName: 'Victim' }),
        signUp(one, smtp, { displayName: 'Peer' }),
        signUp(one, smtp, { displayName: 'Third' }),
      ]);
      const group = await createGroup(one, peer.session, 'Still talking', [victim.userId, third.userId]);
      const socket = await connectWs(two, { cookie: victim.session.cookie });
      open.push(socket);
      await socket.next('ready');
      // Live delivery across the instances works before the end.
      await send(one, peer.session, group.id, 'before the end');
      await socket.next('message', (f) => f.message.body === 'before the end');

      const other = () => login(one, victim.email, victim.password);
      const peerSession = (await end({ victim, other, peer })) ?? peer.session;
      const closing = closedWithin(socket, END_REACHES_SOCKET_MS);
      // Published after the end, from the same instance: an open socket would get it next.
      const after = await send(one, peerSession, group.id, 'after the end');

      expect(await closing).toEqual({ code: 4001, reason: 'session revoked' });
      expect(socket.frames.map((f) => f.type)).toContain('session_revoked');
      const bodies = socket.frames.flatMap((f) => (f.type === 'message' ? [f.message.body] : []));
      expect(bodies).toEqual(['before the end']);
      // An account deletion leaves the group with a "left" timeline line (seq 2, ADR 0020).
      expect(after.seq).toBe(name === 'account deletion' ? 3 : 2);
      // And the session is refused over HTTP on both instances.
      for (const app of [one, two]) {
        expect((await call(app, 'GET', '/api/me', { session: victim.session })).statusCode).toBe(401);
      }
    },
  );
});
