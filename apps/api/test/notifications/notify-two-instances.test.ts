import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import type { NotifierDeps } from '../../src/modules/notifications/email-notifier.js';
import { buildTestApp } from '../helpers/app.js';
import { signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';
import { mention, notificationsTo, notifierOf, runJob } from '../helpers/notifications.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe('email notifications with two instances on one MariaDB and one Redis', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  let jobs: [NotifierDeps, NotifierDeps];
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url, REDIS_URL: redis.url } });
    one = await buildTestApp(testDb, { now: clock.now });
    two = await buildTestApp(testDb, { now: clock.now });
    await one.listen({ port: 0, host: '127.0.0.1' });
    await two.listen({ port: 0, host: '127.0.0.1' });
    jobs = [notifierOf(one, testDb.database.db, clock.now), notifierOf(two, testDb.database.db, clock.now)];
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  it('sends exactly one email per trigger when both instances run the job at once, again and again', async () => {
    const sender = await signUp(one, smtp, { displayName: 'Sender' });
    const readers: User[] = [];
    for (let i = 0; i < 6; i += 1)
      readers.push(await signUp(i % 2 ? two : one, smtp, { displayName: `R${i}` }));
    const group = await createGroup(
      one,
      sender.session,
      'Everyone',
      readers.map((r) => r.userId),
    );
    for (const reader of readers) {
      await send(one, sender.session, (await createDirect(one, sender.session, reader.userId)).id, 'direct');
    }
    const mentioning = await send(two, sender.session, group.id, 'mentions R0 and R1');
    for (const reader of readers.slice(0, 2)) {
      await mention(testDb.database.db, mentioning, reader.userId, clock.now());
    }
    clock.advance(one.config.notifyEmail.delayMs + 60_000);

    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all([runJob(jobs[0]), runJob(jobs[1]), runJob(jobs[0]), runJob(jobs[1])]);
      if (round === 0) expect(results.reduce((sum, r) => sum + r.emailed, 0)).toBe(readers.length);
    }
    for (const [index, reader] of readers.entries()) {
      const mails = notificationsTo(smtp, reader.email);
      expect(mails, reader.email).toHaveLength(1);
      // Both due conversations of R0 and R1 went in their one email; nobody got a second for either.
      if (index < 2) expect(mails[0]?.subject).toBe('New messages in 2 conversations on Parley');
    }
  });

  it('does not email a user connected to the other instance (socket leases in Redis)', async () => {
    const sender = await signUp(one, smtp, { displayName: 'Sender' });
    const reader = await signUp(two, smtp, { displayName: 'Reader' });
    const socket = await connectWs(two, { cookie: reader.session.cookie });
    await socket.next('ready');
    await send(one, sender.session, (await createDirect(one, sender.session, reader.userId)).id, 'hello');
    clock.advance(one.config.notifyEmail.delayMs + 60_000);
    await runJob(jobs[0]);
    expect(notificationsTo(smtp, reader.email)).toHaveLength(0);
    socket.close();
    await socket.closed;
    // The lease leaves Redis once instance two has seen the close; then instance one may email.
    for (let attempt = 0; attempt < 100 && notificationsTo(smtp, reader.email).length === 0; attempt += 1) {
      await runJob(jobs[0]);
      if (notificationsTo(smtp, reader.email).length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(notificationsTo(smtp, reader.email)).toHaveLength(1);
  });
});
