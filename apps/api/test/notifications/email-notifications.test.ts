import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import {
  type NotifierDeps,
  type NotifyCursor,
  sendDueNotifications,
} from '../../src/modules/notifications/email-notifier.js';
import { userSocketsKey } from '../../src/modules/realtime/realtime.limits.js';
import { buildTestApp, platformOf } from '../helpers/app.js';
import { call, login, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';
import { headerOf, notificationsTo, notifierOf, runJob } from '../helpers/notifications.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(DB_KINDS)('email notifications for people who are away on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let job: NotifierDeps;
  const clock = new TestClock();
  const delayMs = 600_000;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb, { now: clock.now });
    await app.listen({ port: 0, host: '127.0.0.1' });
    job = notifierOf(app, testDb.database.db, clock.now);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const pair = async (a = 'Ada', b = 'Bob') => {
    const ada = await signUp(app, smtp, { displayName: a });
    const bob = await signUp(app, smtp, { displayName: b });
    return { ada, bob, direct: await createDirect(app, ada.session, bob.userId) };
  };
  const settings = async (user: User, email: string) => {
    const response = await call(app, 'PATCH', '/api/me/notification-settings', {
      session: user.session,
      body: { email },
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  const read = async (user: User, conversationId: string, seq: number) => {
    const response = await call(app, 'POST', `/api/conversations/${conversationId}/read`, {
      session: user.session,
      body: { seq },
    });
    expect(response.statusCode, response.body).toBe(204);
  };

  it('waits NOTIFY_EMAIL_DELAY_SECONDS, then sends one summary with sender, first lines, link and RFC 8058 headers', async () => {
    expect(app.config.notifyEmail.delayMs).toBe(delayMs);
    const { ada, bob, direct } = await pair('Ada <b>Lovelace</b>');
    await send(
      app,
      ada.session,
      direct.id,
      'Lunch at noon?\nThe usual place.\nBring the <script>notes</script>\nand more',
    );

    clock.advance(delayMs - MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);

    clock.advance(2 * MINUTE);
    await runJob(job);
    const [mail, ...more] = notificationsTo(smtp, bob.email);
    expect(more).toHaveLength(0);
    expect(mail?.subject).toBe('New message from Ada <b>Lovelace</b> on Parley');
    expect(mail?.text).toContain('Ada <b>Lovelace</b>: Lunch at noon?');
    expect(mail?.text).toContain('The usual place.');
    expect(mail?.text).toContain(`${app.config.publicUrl.origin}/conversations/${direct.id}`);
    expect(mail?.text).not.toContain('and more');
    // Members' words are escaped in the HTML part, never markup.
    expect(mail?.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
    expect(mail?.html).toContain('&lt;script&gt;notes&lt;/script&gt;');
    expect(mail?.html).not.toContain('<script>');
    expect(headerOf(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(headerOf(mail, 'List-Unsubscribe')).toMatch(
      new RegExp(`^<${app.config.publicUrl.origin}/api/notifications/unsubscribe\\?token=[^>]+>$`),
    );
    // The sender is not emailed about their own message.
    expect(notificationsTo(smtp, ada.email)).toHaveLength(0);

    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
  });

  it('sends nothing more about a conversation until it is read or NOTIFY_EMAIL_REPEAT_AFTER passed', async () => {
    const { ada, bob, direct } = await pair();
    await send(app, ada.session, direct.id, 'first');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);

    await send(app, ada.session, direct.id, 'second');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);

    clock.advance(HOUR);
    await runJob(job);
    const mails = notificationsTo(smtp, bob.email);
    expect(mails).toHaveLength(2);
    // The second email is about what came since the first, not the same message again.
    expect(mails[1]?.text).toContain('Ada: second');
    expect(mails[1]?.text).not.toContain('Ada: first');
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(2);
  });

  it('starts again once the user has read what was emailed', async () => {
    const { ada, bob, direct } = await pair();
    const first = await send(app, ada.session, direct.id, 'one');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);

    await read(bob, direct.id, first.seq);
    await send(app, ada.session, direct.id, 'two');
    clock.advance(MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
    clock.advance(delayMs);
    await runJob(job);
    const mails = notificationsTo(smtp, bob.email);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.text).toContain('Ada: two');
  });

  it('does not email about messages read within the delay', async () => {
    const { ada, bob, direct } = await pair();
    const message = await send(app, ada.session, direct.id, 'seen in time');
    clock.advance(MINUTE);
    await read(bob, direct.id, message.seq);
    clock.advance(delayMs);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);
  });

  it('follows the setting: groups only on a mention with direct_and_mentions, every message with all, nothing with off', async () => {
    const ada = await signUp(app, smtp, { displayName: 'Ada' });
    const bob = await signUp(app, smtp, { displayName: 'Bob' });
    const cleo = await signUp(app, smtp, { displayName: 'Cleo' });
    const dan = await signUp(app, smtp, { displayName: 'Dan' });
    await settings(cleo, 'all');
    await settings(dan, 'off');
    const group = await createGroup(app, ada.session, 'Launch crew', [bob.userId, cleo.userId, dan.userId]);
    const toDan = await createDirect(app, ada.session, dan.userId);
    await send(app, ada.session, group.id, 'status update for everyone');
    await send(app, ada.session, toDan.id, 'hello Dan');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);
    expect(notificationsTo(smtp, dan.email)).toHaveLength(0);
    const [cleoMail] = notificationsTo(smtp, cleo.email);
    expect(cleoMail?.subject).toBe('New messages in Launch crew on Parley');
    expect(cleoMail?.text).toContain('Ada: status update for everyone');

    const mentioning = await call(app, 'POST', `/api/conversations/${group.id}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: '@Bob can you check?', mentionIds: [bob.userId] },
    });
    expect(mentioning.statusCode, mentioning.body).toBe(201);
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    const [bobMail, ...more] = notificationsTo(smtp, bob.email);
    expect(more).toHaveLength(0);
    expect(bobMail?.text).toContain('Ada: @Bob can you check?');
    // Only the mention, not the group's other unread message.
    expect(bobMail?.text).not.toContain('status update');
    expect(notificationsTo(smtp, dan.email)).toHaveLength(0);
  });

  it('never emails about a conversation the user muted', async () => {
    const { ada, bob, direct } = await pair();
    const muted = await call(app, 'PATCH', `/api/conversations/${direct.id}/settings`, {
      session: bob.session,
      body: { muted: true },
    });
    expect(muted.statusCode, muted.body).toBe(200);
    await send(app, ada.session, direct.id, 'quiet please');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);

    const unmuted = await call(app, 'PATCH', `/api/conversations/${direct.id}/settings`, {
      session: bob.session,
      body: { muted: false },
    });
    expect(unmuted.statusCode, unmuted.body).toBe(200);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
  });

  it('puts every due conversation of one user in one email', async () => {
    const bob = await signUp(app, smtp, { displayName: 'Bob' });
    const ada = await signUp(app, smtp, { displayName: 'Ada' });
    const eve = await signUp(app, smtp, { displayName: 'Eve' });
    await send(app, ada.session, (await createDirect(app, ada.session, bob.userId)).id, 'from Ada');
    await send(app, eve.session, (await createDirect(app, eve.session, bob.userId)).id, 'from Eve');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    const mails = notificationsTo(smtp, bob.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe('New messages in 2 conversations on Parley');
    expect(mails[0]?.text).toContain('Ada: from Ada');
    expect(mails[0]?.text).toContain('Eve: from Eve');
  });

  it('never emails a deleted account or an unverified address', async () => {
    const { ada, bob, direct } = await pair();
    const cleo = await signUp(app, smtp, { displayName: 'Cleo' });
    const toCleo = await createDirect(app, ada.session, cleo.userId);
    await send(app, ada.session, direct.id, 'are you there?');
    await send(app, ada.session, toCleo.id, 'and you?');
    const fresh = await login(app, bob.email, bob.password);
    const deleted = await call(app, 'DELETE', '/api/me', {
      session: fresh,
      body: { password: bob.password },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    // No request unverifies an address today; the rule is the job's own, so it is tested on the row.
    await testDb.database.db
      .updateTable('users')
      .set({ email_verified_at: null })
      .where('id', '=', cleo.userId)
      .execute();
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);
    expect(notificationsTo(smtp, cleo.email)).toHaveLength(0);
  });

  it('does not email a user with an open socket, and does once it closed', async () => {
    const { ada, bob, direct } = await pair();
    const socket = await connectWs(app, { cookie: bob.session.cookie });
    await socket.next('ready');
    await send(app, ada.session, direct.id, 'ping while online');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(0);

    socket.close();
    await socket.closed;
    const { limiter } = platformOf(app);
    await vi.waitFor(async () => expect(await limiter.held(userSocketsKey(bob.userId))).toBe(0));
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
  });

  it('goes on where a run stopped at its batch cap, so nobody late in the order waits forever', async () => {
    const ada = await signUp(app, smtp, { displayName: 'Ada' });
    const readers: User[] = [];
    for (let i = 0; i < 3; i += 1) readers.push(await signUp(app, smtp, { displayName: `Reader ${i}` }));
    for (const reader of readers) {
      await send(app, ada.session, (await createDirect(app, ada.session, reader.userId)).id, 'news');
    }
    clock.advance(delayMs + MINUTE);
    // One candidate per page, one page per run: each run looks at one pair and says where it stopped.
    const small = { ...job, batchSize: 1 };
    let cursor: NotifyCursor | undefined;
    const stops: (NotifyCursor | undefined)[] = [];
    for (
      let run = 0;
      run < 40 && readers.some((r) => notificationsTo(smtp, r.email).length === 0);
      run += 1
    ) {
      const result = await sendDueNotifications(small, { startAfter: cursor, maxBatches: 1 });
      cursor = result.resumeAfter;
      stops.push(cursor);
    }
    for (const reader of readers) expect(notificationsTo(smtp, reader.email)).toHaveLength(1);
    expect(stops.some((stop) => stop !== undefined)).toBe(true);
  });

  it('keeps the claim and throttle state in the database: a job built afresh (a restart) sends nothing twice', async () => {
    const { ada, bob, direct } = await pair();
    await send(app, ada.session, direct.id, 'before the restart');
    clock.advance(delayMs + MINUTE);
    await runJob(job);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
    const restarted = notifierOf(app, testDb.database.db, clock.now);
    await runJob(restarted);
    expect(notificationsTo(smtp, bob.email)).toHaveLength(1);
  });
});
