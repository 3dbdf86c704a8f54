import type { Message, ServerFrame } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { ConversationCursor, resumeCursors } from '../../src/modules/realtime/conversation-cursor.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createGroup, send } from '../helpers/messaging.js';

describe.each(DB_KINDS)('conversation cursor on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let messages: Message[];
  let conversationId: string;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    app = await buildTestApp(testDb);
    const ada = await signUp(app, smtp);
    conversationId = (await createGroup(app, ada.session, 'Cursor', [])).id;
    messages = [];
    for (let i = 1; i <= 6; i += 1) messages.push(await send(app, ada.session, conversationId, `m${i}`));
    // An edit of message 2 becomes rev 7.
    const edited = await call(app, 'PATCH', `/api/messages/${messages[1]?.id}`, {
      session: ada.session,
      body: { body: 'm2 edited' },
    });
    messages.push(edited.json());
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  function cursorAt(seq: number, rev: number) {
    const frames: ServerFrame[] = [];
    const cursor = new ConversationCursor(
      conversationId,
      { seq, rev },
      testDb.database.db,
      (f) => frames.push(f),
      (e) => {
        throw e;
      },
    );
    const summary = () =>
      frames.map((f) => ('message' in f ? `${f.type}:${f.message.seq}:${f.message.rev}` : f.type));
    return { cursor, summary };
  }
  const event = (i: number) => messages[i] as Message;

  it('delivers in-order events once and drops duplicates', async () => {
    const { cursor, summary } = cursorAt(2, 2);
    for (const i of [2, 2, 3, 1, 3]) cursor.onMessageEvent(event(i));
    await cursor.settled();
    expect(summary()).toEqual(['message:3:3', 'message:4:4']);
    expect(cursor.position).toEqual({ seq: 4, rev: 4 });
  });

  it('fills a gap from the database when an event jumps ahead, then ignores the late ones', async () => {
    const { cursor, summary } = cursorAt(2, 2);
    cursor.onMessageEvent(event(5)); // rev 6 arrives first: revs 3–5 are missing
    cursor.onMessageEvent(event(2)); // the late rev 3
    cursor.onMessageEvent(event(6)); // rev 7: the edit, already covered by the catch-up snapshot
    await cursor.settled();
    // The snapshot holds message 2's edit (rev 7) and messages 3–6, in seq order, each once.
    expect(summary()).toEqual([
      'message_updated:2:7',
      'message:3:3',
      'message:4:4',
      'message:5:5',
      'message:6:6',
    ]);
    expect(cursor.position).toEqual({ seq: 6, rev: 7 });
  });

  it('resumes from a client position', async () => {
    const { cursor, summary } = cursorAt(6, 7);
    await cursor.resume({ seq: 4, rev: 4 });
    expect(summary()).toEqual(['message_updated:2:7', 'message:5:5', 'message:6:6']);
    await cursor.resume({ seq: 6 });
    expect(summary()).toHaveLength(3);
  });

  it('resumes many cursors with one counters read: only changed ones catch up, parked live events follow once', async () => {
    const behind = cursorAt(6, 7);
    const current = cursorAt(6, 7);
    const seqOnly = cursorAt(6, 7);
    // A live event queued before the batch: the batch waits for it, then replays from the client's position.
    behind.cursor.onMessageEvent(event(6));
    await resumeCursors(testDb.database.db, [
      { cursor: behind.cursor, position: { seq: 4, rev: 4 } },
      { cursor: current.cursor, position: { seq: 6, rev: 7 } },
      { cursor: seqOnly.cursor, position: { seq: 6 } },
    ]);
    expect(behind.summary()).toEqual(['message_updated:2:7', 'message:5:5', 'message:6:6']);
    expect(behind.cursor.position).toEqual({ seq: 6, rev: 7 });
    expect(current.summary()).toEqual([]);
    expect(current.cursor.position).toEqual({ seq: 6, rev: 7 });
    // Without a rev the client gets new messages only: the edit (rev 7) is not replayed.
    expect(seqOnly.summary()).toEqual([]);
    // Late copies of what the catch-up covered change nothing.
    behind.cursor.onMessageEvent(event(4));
    behind.cursor.onMessageEvent(event(6));
    await behind.cursor.settled();
    expect(behind.summary()).toHaveLength(3);
  });
});
