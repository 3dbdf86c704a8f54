import { randomBytes, randomUUID } from 'node:crypto';
import { type ServerFrame, WS_CLOSE_RATE_LIMITED } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDirect } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

describe('limits shared by two instances through Redis (MariaDB)', () => {
  let smtp: SmtpCapture;
  let redis: RedisServer;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  const open: WsClient[] = [];

  const ws = async (app: FastifyInstance, user: User) => {
    const client = await connectWs(app, {
      cookie: user.session.cookie,
      forwardedFor: `10.${randomBytes(3).join('.')}`,
    });
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    redis = await startRedis();
    testDb = await createTestDatabase('mariadb', {
      env: {
        SMTP_URL: smtp.url,
        REDIS_URL: redis.url,
        LIMIT_MESSAGES: '4/60s',
        LIMIT_WS_SOCKETS_PER_USER: '2',
      },
    });
    // Same database, same Redis, separate processes' worth of state: as two EC2 instances.
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

  it('LIMIT_MESSAGES counts HTTP sends on one instance and WebSocket sends on the other together; other users are unaffected', async () => {
    const [ada, bob] = (await Promise.all([signUp(one, smtp), signUp(two, smtp)])) as [User, User];
    const direct = await createDirect(one, ada.session, bob.userId);
    const onTwo = await ws(two, ada);
    await onTwo.next('ready');
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      if (i % 2 === 0) {
        const response = await call(one, 'POST', `/api/conversations/${direct.id}/messages`, {
          session: ada.session,
          body: { clientId: randomUUID(), body: `http ${i}` },
        });
        outcomes.push(response.statusCode === 201 ? 'stored' : response.json().error.code);
      } else {
        const clientId = randomUUID();
        onTwo.send({ type: 'send', conversationId: direct.id, clientId, body: `ws ${i}` });
        const answer = () =>
          onTwo.frames.find((f) => (f.type === 'ack' || f.type === 'error') && f.clientId === clientId);
        await expect.poll(answer).toBeDefined();
        const reply = answer() as ServerFrame;
        outcomes.push(reply.type === 'error' ? reply.error.code : 'stored');
      }
    }
    expect(outcomes).toEqual(['stored', 'stored', 'stored', 'stored', 'rate_limited', 'rate_limited']);
    const stored = await testDb.database.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', direct.id)
      .execute();
    expect(stored).toHaveLength(4);
    const fromBob = await call(two, 'POST', `/api/conversations/${direct.id}/messages`, {
      session: bob.session,
      body: { clientId: randomUUID(), body: 'bob is fine' },
    });
    expect(fromBob.statusCode).toBe(201);
  });

  it('LIMIT_WS_SOCKETS_PER_USER counts the sockets open on every instance', async () => {
    const cyd = await signUp(one, smtp);
    const a = await ws(one, cyd);
    await a.next('ready');
    const b = await ws(two, cyd);
    await b.next('ready');
    const refused = await ws(one, cyd);
    expect((await refused.next('error')).error.code).toBe('rate_limited');
    expect((await refused.closed).code).toBe(WS_CLOSE_RATE_LIMITED);
    // Closing the socket on instance two frees a slot for instance one.
    b.close();
    await b.closed;
    await expect
      .poll(async () => {
        const client = await ws(one, cyd);
        return Promise.race([client.next('ready').then(() => 'ready'), client.closed.then(() => 'refused')]);
      })
      .toBe('ready');
  });
});
