import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { dialectOf } from '../../src/db/migrations/dialect.js';
import { toDbTime } from '../../src/db/time.js';
import type { AppError } from '../../src/errors.js';
import { MessageWriter, writeBatchTwice } from '../../src/modules/messages/message-writer.js';
import {
  BatchNeedsCheck,
  bumpCounters,
  needsCheckedWrite,
  type SendResult,
  writeMessageBatch,
} from '../../src/modules/messages/write-message-batch.command.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { batchTestKit } from '../helpers/message-batch.js';
import { createGroup } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

/**
 * The SQL command of the write path (`write-message-batch.command.ts`) and the writer that runs it twice
 * when needed (`writeBatchTwice`): the unchecked fast path (no retry or membership look-up) and what makes
 * it fall back to the checked one — a stored clientId, a removed member — with nothing written by the
 * attempt that fell back. Two app instances share one database: a member removed on one is refused on
 * the other at once (nothing is cached), and two writers storing the same clientId or the same
 * conversation at once end with one message each and gapless seqs.
 */
describe.each(DB_KINDS)('write-message-batch command on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let one: FastifyInstance;
  let two: FastifyInstance;
  let ada: User;
  let bob: User;
  let cy: User;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url } });
    one = await buildTestApp(testDb);
    two = await buildTestApp(testDb);
    [ada, bob, cy] = await Promise.all([
      signUp(one, smtp, { displayName: 'Ada' }),
      signUp(one, smtp, { displayName: 'Bob' }),
      signUp(two, smtp, { displayName: 'Cy' }),
    ]);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  const db = () => testDb.database.db;
  const { request, counters, stored, ok } = batchTestKit(db);

  it('stores an unchecked batch over two conversations with gapless seqs, a repeat in the batch once', async () => {
    const first = await createGroup(one, ada.session, 'First', [bob.userId]);
    const second = await createGroup(one, bob.session, 'Second', [ada.userId]);
    const repeat = request(first.id, ada, 'again');
    const batch = [
      request(first.id, ada, 'a1'),
      request(second.id, bob, 'b1'),
      repeat,
      request(first.id, bob, 'a2'),
      { ...repeat },
    ];
    const results = await db()
      .transaction()
      .execute((trx) => writeMessageBatch(trx, batch, new Date()));
    expect(results.map((r) => ok(r).row.seq)).toEqual([1, 1, 2, 3, 2]);
    expect(results.map((r) => ok(r).created)).toEqual([true, true, true, true, false]);
    expect(ok(results[4]).row.id).toBe(ok(results[2]).row.id);
    expect(await counters(first.id)).toEqual({ seq: 3, rev: 3 });
    expect((await stored(first.id)).map((row) => row.seq)).toEqual([1, 2, 3]);
  });

  it('falls back to the checked write for a stored clientId: the unchecked attempt writes nothing, no seq gap', async () => {
    const group = await createGroup(one, ada.session, 'Retries', [bob.userId]);
    const original = request(group.id, ada, 'original');
    const [first] = await writeBatchTwice(db(), [original], () => new Date());
    const before = await counters(group.id);
    // Unchecked, the INSERT meets the unique key and the whole transaction rolls back.
    const fresh = request(group.id, bob, 'fresh');
    const attempt = db()
      .transaction()
      .execute((trx) => writeMessageBatch(trx, [fresh, { ...original, body: 'retry' }], new Date()));
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(needsCheckedWrite(error)).toBe(true);
    expect(await counters(group.id)).toEqual(before);
    // The writer's second, checked write gives the stored message back and stores the new one next.
    const results = await writeBatchTwice(db(), [fresh, { ...original, body: 'retry' }], () => new Date());
    expect(ok(results[0]).created).toBe(true);
    expect(ok(results[0]).row.seq).toBe(before.seq + 1);
    expect(ok(results[1]).created).toBe(false);
    expect(ok(results[1]).row.id).toBe(ok(first).row.id);
    expect(ok(results[1]).row.body).toBe('original');
    expect((await stored(group.id)).map((row) => row.seq)).toEqual([1, 2]);
  });

  it('refuses a clientId reused in another conversation, and a sender who never was a member', async () => {
    const group = await createGroup(one, ada.session, 'Reuse', [bob.userId]);
    const other = await createGroup(one, ada.session, 'Other', [bob.userId]);
    const original = request(group.id, ada, 'original');
    await writeBatchTwice(db(), [original], () => new Date());
    const results = await writeBatchTwice(
      db(),
      [{ ...original, conversationId: other.id }, request(other.id, cy, 'stranger'), request(other.id, ada)],
      () => new Date(),
    );
    expect((results[0] as AppError).code).toBe('conflict');
    expect((results[1] as AppError).code).toBe('not_found');
    expect(ok(results[2]).row.seq).toBe(1);
    expect(await counters(other.id)).toEqual({ seq: 1, rev: 1 });
  });

  it('refuses a member removed on the other instance at once, inside the transaction, and stores the rest', async () => {
    const group = await createGroup(one, ada.session, 'Removal', [bob.userId, cy.userId]);
    await writeBatchTwice(db(), [request(group.id, cy, 'before')], () => new Date());
    const removed = await call(one, 'DELETE', `/api/conversations/${group.id}/members/${cy.userId}`, {
      session: ada.session,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    // Instance two, which served cy a moment ago, refuses the very next send: no stale cache anywhere.
    const refused = await call(two, 'POST', `/api/conversations/${group.id}/messages`, {
      session: cy.session,
      body: { clientId: randomUUID(), body: 'after' },
    });
    expect(refused.statusCode, refused.body).toBe(404);
    // The unchecked command itself refuses: its guarded UPDATE bumps nothing.
    const before = await counters(group.id);
    const attempt = await db()
      .transaction()
      .execute((trx) => writeMessageBatch(trx, [request(group.id, bob), request(group.id, cy)], new Date()))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(attempt).toBeInstanceOf(BatchNeedsCheck);
    expect(await counters(group.id)).toEqual(before);
    // Through the writer, the member's send is stored and the removed one's refused, in one batch.
    const results = await writeBatchTwice(
      db(),
      [request(group.id, bob, 'stays'), request(group.id, cy, 'gone')],
      () => new Date(),
    );
    expect(ok(results[0]).row.seq).toBe(before.seq + 1);
    expect((results[1] as AppError).code).toBe('not_found');
    expect((await stored(group.id)).map((row) => row.client_id).length).toBe(before.seq + 1);
  });

  it('bumps counters for a system event (no sender check) where a member send is refused', async () => {
    const group = await createGroup(one, ada.session, 'System', [cy.userId]);
    const left = await call(one, 'DELETE', `/api/conversations/${group.id}/members/${cy.userId}`, {
      session: ada.session,
    });
    expect(left.statusCode, left.body).toBe(204);
    const sends = new Map([[group.id, [{ request: { senderId: cy.userId } }]]]);
    const bump = (checkSenders: boolean) =>
      db()
        .transaction()
        .execute((trx) =>
          bumpCounters(trx, sends, toDbTime(new Date()), dialectOf(trx) === 'mysql', checkSenders),
        );
    const before = await counters(group.id);
    await expect(bump(true)).rejects.toBeInstanceOf(BatchNeedsCheck);
    expect(await counters(group.id)).toEqual(before);
    const bumped = await bump(false);
    expect(Number(bumped.get(group.id)?.last_seq)).toBe(before.seq + 1);
    expect(await counters(group.id)).toEqual({ seq: before.seq + 1, rev: before.rev + 1 });
  });

  it('two writers (instances) sending the same clientIds and the same conversation at once: one message each, gapless', async () => {
    const group = await createGroup(one, ada.session, 'Race', [bob.userId, cy.userId]);
    // On MariaDB through the writer's own pool: plain batches take the two-round-trip path.
    const writerOf = () =>
      new MessageWriter(
        db(),
        () => new Date(),
        kind === 'mariadb' ? 4 : 1,
        undefined,
        testDb.database.writer,
      );
    const writerA = writerOf();
    const writerB = writerOf();
    try {
      const senders = [ada, bob, cy];
      const requests = Array.from({ length: 60 }, (_, i) =>
        request(group.id, senders[i % 3] as User, `m${i}`),
      );
      // Every request goes to both writers: each clientId is stored once, the loser gets it back.
      const [fromA, fromB] = await Promise.all([
        Promise.all(requests.map((r) => writerA.send(r))),
        Promise.all(requests.map((r) => writerB.send({ ...r }))),
      ]);
      requests.forEach((_, i) => {
        const a = fromA[i] as SendResult;
        const b = fromB[i] as SendResult;
        expect(a.row.id).toBe(b.row.id);
        expect(a.created !== b.created).toBe(true);
      });
      const rows = await stored(group.id);
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(new Set(rows.map((row) => row.client_id))).toEqual(new Set(requests.map((r) => r.clientId)));
      expect(await counters(group.id)).toEqual({ seq: 60, rev: 60 });
    } finally {
      await writerA.close();
      await writerB.close();
    }
  });
});
