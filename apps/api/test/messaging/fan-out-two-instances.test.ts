import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe('fan-out across two instances on one MariaDB and one Redis', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  const users: User[] = [];
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', { env: { SMTP_URL: smtp.url, REDIS_URL: redis.url } });
    one = await buildTestApp(testDb);
    two = await buildTestApp(testDb);
    await one.listen({ port: 0, host: '127.0.0.1' });
    await two.listen({ port: 0, host: '127.0.0.1' });
    for (let i = 0; i < 4; i += 1)
      users.push(await signUp(i % 2 ? two : one, smtp, { displayName: `U${i}` }));
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await one?.close();
    await two?.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  it('members on different instances get every message exactly once, in seq order, under concurrent sends', async () => {
    const [u0, u1, u2, u3] = users as [User, User, User, User];
    const group = await createGroup(one, u0.session, 'Across', [u1.userId, u2.userId, u3.userId]);
    const clients: WsClient[] = [];
    for (const [index, user] of users.entries()) {
      const client = await connectWs(index % 2 ? two : one, {
        cookie: user.session.cookie,
        origin: (index % 2 ? two : one).config.publicUrl.origin,
      });
      open.push(client);
      await client.next('ready');
      clients.push(client);
    }
    const perSender = 25;
    const sent = new Set<string>();
    clients.forEach((client, index) => {
      for (let i = 0; i < perSender; i += 1) {
        const clientId = randomUUID();
        sent.add(clientId);
        client.send({ type: 'send', conversationId: group.id, clientId, body: `u${index}-${i}` });
      }
    });
    const total = perSender * clients.length;
    for (const client of clients) {
      for (let i = 0; i < perSender; i += 1) await client.next('ack');
    }
    for (const client of clients) {
      await client.next('message', (f) => f.message.seq === total, 15_000);
      const seqs = client.frames
        .filter((f) => f.type === 'message')
        .map((f) => ('message' in f ? f.message.seq : 0));
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const ids = client.frames
        .filter((f) => f.type === 'message')
        .map((f) => ('message' in f ? f.message.clientId : ''));
      expect(new Set(ids)).toEqual(sent);
    }
    const stored = await testDb.database.db
      .selectFrom('messages')
      .select('seq')
      .where('conversation_id', '=', group.id)
      .execute();
    expect(stored).toHaveLength(total);
  });

  it('a revocation on one instance closes the socket held by the other', async () => {
    const user = users[3] as User;
    const client = await connectWs(two, { cookie: user.session.cookie, origin: two.config.publicUrl.origin });
    open.push(client);
    await client.next('ready');
    const response = await one.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: user.session.cookie, origin: one.config.publicUrl.origin },
    });
    expect(response.statusCode).toBe(204);
    await client.next('session_revoked');
    expect((await client.closed).code).toBe(4001);
  });
});
