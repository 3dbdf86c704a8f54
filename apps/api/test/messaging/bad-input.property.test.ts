import { ClientFrame, ErrorBody, ServerFrame } from '@parley/contract';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { signUp } from '../helpers/auth.js';
import { countRows, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createGroup, send } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const field = fc.constantFrom(
  'type',
  'title',
  'memberIds',
  'clientId',
  'body',
  'attachmentIds',
  'replyToId',
  'mentionIds',
  'seq',
  'userId',
  'conversationId',
  'positions',
  'token',
  'role',
  'muted',
  'archived',
  '__proto__',
);
const junkValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('direct', 'group', '', 'x'.repeat(5000), -1, 1.5, 2 ** 60, null, [], {}),
  fc.uuid(),
);
const junkObject = fc.dictionary(field, junkValue, { maxKeys: 6 });

describe('bad input on messaging routes and WebSocket frames', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let eve: User;
  let groupId: string;
  let messageId: string;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    // Hundreds of frames in a few seconds on one socket: the per-socket frame limit (tested in
    // limits/messaging-limits.test.ts) would answer them all alike, hiding what this test looks at.
    testDb = await createTestDatabase('sqlite', {
      env: { SMTP_URL: smtp.url, LIMIT_WS_FRAMES: '100000/1s' },
    });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [ada, eve] = await Promise.all([signUp(app, smtp), signUp(app, smtp)]);
    groupId = (await createGroup(app, ada.session, 'Props', [])).id;
    messageId = (await send(app, ada.session, groupId, 'hello')).id;
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  async function snapshot() {
    const db = testDb.database.db;
    const count = (
      table: 'conversations' | 'conversation_members' | 'messages' | 'attachments' | 'reactions',
    ) => countRows(db, table);
    const conversations = await db
      .selectFrom('conversations')
      .select(['id', 'title'])
      .orderBy('id')
      .execute();
    const messages = await db
      .selectFrom('messages')
      .select(['id', 'body', 'rev', 'deleted_at'])
      .orderBy('id')
      .execute();
    const members = await db
      .selectFrom('conversation_members')
      .select(['user_id', 'role', 'left_at', 'last_read_seq', 'muted', 'archived_at_seq'])
      .orderBy('user_id')
      .execute();
    return {
      conversations: await count('conversations'),
      titles: conversations,
      attachments: await count('attachments'),
      reactions: await count('reactions'),
      messages,
      members,
    };
  }

  it('routes answer random bodies, params and queries with a 4xx error body and change nothing', async () => {
    // Routes on a group the caller is not in (or with malformed ids and queries): nothing may succeed.
    const routes = [
      { method: 'POST' as const, url: () => `/api/conversations/${groupId}/messages` },
      { method: 'PATCH' as const, url: () => `/api/messages/${messageId}` },
      { method: 'POST' as const, url: () => `/api/conversations/${groupId}/read` },
      { method: 'POST' as const, url: () => `/api/conversations/${groupId}/members` },
      {
        method: 'POST' as const,
        url: (junk: string) => `/api/conversations/${encodeURIComponent(junk)}/messages`,
      },
      {
        method: 'GET' as const,
        url: (junk: string) => `/api/conversations/${groupId}/messages?limit=${encodeURIComponent(junk)}`,
      },
      {
        method: 'GET' as const,
        url: (junk: string) =>
          `/api/conversations/${groupId}/messages?before=${encodeURIComponent(junk)}&after=1`,
      },
      {
        method: 'DELETE' as const,
        url: (junk: string) => `/api/conversations/${groupId}/members/${encodeURIComponent(junk)}`,
      },
      {
        method: 'GET' as const,
        url: (junk: string) => `/api/conversations/${groupId}/messages?around=${encodeURIComponent(junk)}`,
      },
      {
        method: 'PUT' as const,
        url: (junk: string) => `/api/messages/${messageId}/reactions/${encodeURIComponent(junk)}`,
      },
      { method: 'PATCH' as const, url: () => `/api/conversations/${groupId}` },
      { method: 'PATCH' as const, url: () => `/api/conversations/${groupId}/settings` },
      {
        method: 'PUT' as const,
        url: (junk: string) => `/api/conversations/${groupId}/members/${encodeURIComponent(junk)}/role`,
      },
      {
        method: 'PATCH' as const,
        url: (junk: string) => `/api/conversations/${encodeURIComponent(junk)}/settings`,
      },
      {
        method: 'GET' as const,
        url: (junk: string) => `/api/conversations?archived=x${encodeURIComponent(junk)}`,
      },
      {
        method: 'DELETE' as const,
        url: (junk: string) =>
          `/api/messages/${encodeURIComponent(junk)}/reactions/${encodeURIComponent('👍')}`,
      },
    ];
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        junkObject,
        fc.string({ maxLength: 80 }),
        async (route, body, junk) => {
          const session = eve.session;
          const response = await app.inject({
            method: route.method,
            url: route.url(junk.length > 0 ? junk : '%zz'),
            headers: {
              origin: app.config.publicUrl.origin,
              cookie: session.cookie,
              'content-type': 'application/json',
            },
            ...(route.method === 'GET' ? {} : { payload: JSON.stringify(body) }),
          });
          expect(response.statusCode, `${route.method} ${response.body}`).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(500);
          expect(ErrorBody.safeParse(response.json()).success).toBe(true);
        },
      ),
      { numRuns: 250 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it("frames: random JSON, wrong types, unknown fields and others' ids get error frames; the socket and others survive", async () => {
    const bystander = await connectWs(app, { cookie: ada.session.cookie });
    await bystander.next('ready');
    const client = await connectWs(app, { cookie: eve.session.cookie });
    await client.next('ready');
    const before = await snapshot();
    const frame = fc.oneof(
      junkObject,
      junkObject.map((o) => ({ ...o, type: 'send' })),
      junkObject.map((o) => ({ ...o, type: 'resume' })),
      junkObject.map((o) => ({ ...o, type: 'typing' })),
      fc.constant({ type: 'send', conversationId: 'x', clientId: 'not-a-uuid', body: 'x' }),
      fc.uuid().map((clientId) => ({ type: 'send', conversationId: groupId, clientId, body: 'not my room' })),
      fc.constant({ type: 'typing', conversationId: groupId }),
      fc.anything({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (value) => {
        const errors = client.frames.filter((f) => f.type === 'error').length;
        client.send(value);
        client.send({ type: 'ping' });
        await client.next('pong');
        const replies = client.frames.filter((f) => f.type === 'error').length;
        // A malformed frame earns exactly one error. A well-formed one may be legitimate (resume,
        // typing, which a per-room limiter may drop) and earns at most one.
        if (ClientFrame.safeParse(value).success) expect(replies - errors).toBeLessThanOrEqual(1);
        else expect(replies).toBe(errors + 1);
      }),
      { numRuns: 150 },
    );
    client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    for (const f of client.frames) expect(ServerFrame.safeParse(f).success, JSON.stringify(f)).toBe(true);
    bystander.send({ type: 'ping' });
    await bystander.next('pong');
    expect(await snapshot()).toEqual(before);
    client.close();
    bystander.close();
  });
});
