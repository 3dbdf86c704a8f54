import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { buildTestApp } from '../helpers/app.js';
import { call, GOOD_PASSWORD, signUp, uniqueEmail } from '../helpers/auth.js';
import { countRows, createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createGroup, history, send } from '../helpers/messaging.js';
import { connectWs } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

/** Bidi overrides and isolates, zero-width and other invisible format characters, controls, NUL. */
const HIDDEN = [
  '\u202E',
  '\u202A',
  '\u2066',
  '\u2069',
  '\u200B',
  '\u200D',
  '\u200E',
  '\u2060',
  '\u2064',
  '\uFEFF',
  '\u00AD',
  '\u0000',
  '\u0007',
  '\u009B',
  '\u2028',
];
const hex = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]),
  Buffer.alloc(64, 7),
]);

describe.each(DB_KINDS)('names and message bodies on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let groupId: string;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    await app.listen({ port: 0, host: '127.0.0.1' });
    ada = await signUp(app, smtp, { displayName: 'Ada' });
    groupId = (await createGroup(app, ada.session, 'Names', [])).id;
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const storedName = async () =>
    (
      await testDb.database.db
        .selectFrom('users')
        .select('display_name')
        .where('id', '=', ada.userId)
        .executeTakeFirstOrThrow()
    ).display_name;

  const upload = (name: string) =>
    app.inject({
      method: 'POST',
      url: `/api/attachments?conversationId=${groupId}&name=${encodeURIComponent(name)}`,
      headers: {
        'content-type': 'image/png',
        origin: app.config.publicUrl.origin,
        cookie: ada.session.cookie,
      },
      payload: PNG,
    });

  it('refuses a display name, group title or file name with a hidden character: 400 naming the field', async () => {
    const spoof = 'Ada\u202Enimda';
    const error = {
      code: 'validation_failed',
      message: 'Request is not valid',
      details: [
        {
          path: '',
          message: 'must not contain invisible, control or text-direction characters (found U+202E)',
        },
      ],
    };
    const registered = await call(app, 'POST', '/api/auth/register', {
      body: { email: uniqueEmail(), password: GOOD_PASSWORD, displayName: spoof },
    });
    expect(registered.statusCode).toBe(400);
    expect(registered.json().error).toEqual({
      ...error,
      details: [{ ...error.details[0], path: 'body.displayName' }],
    });
    const renamed = await call(app, 'PATCH', '/api/me', {
      session: ada.session,
      body: { displayName: spoof },
    });
    expect(renamed.json().error.details).toEqual([{ ...error.details[0], path: 'body.displayName' }]);
    const titled = await call(app, 'POST', '/api/conversations', {
      session: ada.session,
      body: { type: 'group', title: spoof, memberIds: [] },
    });
    expect(titled.statusCode).toBe(400);
    expect(titled.json().error.details).toEqual([{ ...error.details[0], path: 'body.title' }]);
    const uploaded = await upload('invoice\u202Egpj.exe');
    expect(uploaded.statusCode).toBe(400);
    expect(uploaded.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'querystring.name', message: expect.stringContaining('U+202E') }],
    });
    expect(await storedName()).toBe('Ada');
    expect(await countRows(testDb.database.db, 'attachments')).toBe(0);
    expect(await countRows(testDb.database.db, 'conversations')).toBe(1);
  });

  it('stores names in NFC and keeps emoji ZWJ sequences', async () => {
    const renamed = await call(app, 'PATCH', '/api/me', {
      session: ada.session,
      body: { displayName: '  Zoe\u0308 👩‍💻 ' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().displayName).toBe('Zoë 👩‍💻');
    expect(await storedName()).toBe('Zo\u00EB 👩‍💻');
    const group = await createGroup(app, ada.session, 'Cafe\u0301 🏳️‍🌈', []);
    expect(group.title).toBe('Caf\u00E9 🏳️‍🌈');
    const uploaded = await upload('Re\u0301sume\u0301.png');
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expect(uploaded.json().name).toBe('R\u00E9sum\u00E9.png');
  });

  it('message bodies lose NUL (HTTP and WebSocket) and keep everything else as typed', async () => {
    const typed = '\u202Eright-to-left\u202C, zero\u200Bwidth, e\u0301, 👨‍👩‍👧‍👦\u0000!';
    const stored = await send(app, ada.session, groupId, typed);
    expect(stored.body).toBe(typed.replace('\u0000', ''));
    const socket = await connectWs(app, { cookie: ada.session.cookie });
    await socket.next('ready');
    const clientId = randomUUID();
    socket.send({ type: 'send', conversationId: groupId, clientId, body: 'w\u0000s' });
    expect((await socket.next('ack', (f) => f.clientId === clientId)).message.body).toBe('ws');
    // Only NUL: nothing left to send.
    const empty = await call(app, 'POST', `/api/conversations/${groupId}/messages`, {
      session: ada.session,
      body: { clientId: randomUUID(), body: '\u0000\u0000' },
    });
    expect(empty.statusCode).toBe(400);
    const edited = await call(app, 'PATCH', `/api/messages/${stored.id}`, {
      session: ada.session,
      body: { body: 'edi\u0000ted' },
    });
    expect(edited.json().body).toBe('edited');
    const bodies = (await history(app, ada.session, groupId)).messages.map((m) => m.body);
    expect(bodies).toEqual(['edited', 'ws']);
    socket.close();
  });

  it('property: a hidden character anywhere in any name field is refused and changes nothing', async () => {
    const before = {
      name: await storedName(),
      conversations: await countRows(testDb.database.db, 'conversations'),
      attachments: await countRows(testDb.database.db, 'attachments'),
    };
    const field = fc.constantFrom('displayName', 'title', 'fileName');
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /^[\p{L}\p{N} ]+$/u.test(s));
    await fc.assert(
      fc.asyncProperty(field, name, fc.constantFrom(...HIDDEN), fc.nat(), async (which, base, hidden, at) => {
        const chars = [...base];
        chars.splice(at % (chars.length + 1), 0, hidden);
        const value = chars.join('');
        const response =
          which === 'displayName'
            ? await call(app, 'PATCH', '/api/me', { session: ada.session, body: { displayName: value } })
            : which === 'title'
              ? await call(app, 'POST', '/api/conversations', {
                  session: ada.session,
                  body: { type: 'group', title: value, memberIds: [] },
                })
              : await upload(value);
        expect(response.statusCode, JSON.stringify(value)).toBe(400);
        expect(response.json().error.code).toBe('validation_failed');
        expect(JSON.stringify(response.json().error.details)).toContain(hex(hidden));
      }),
      { numRuns: 60 },
    );
    expect({
      name: await storedName(),
      conversations: await countRows(testDb.database.db, 'conversations'),
      attachments: await countRows(testDb.database.db, 'attachments'),
    }).toEqual(before);
  });
});
