import type { FastifyInstance } from 'fastify';
import { CompiledQuery, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import { createMysqlKysely } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import type { AppError } from '../../src/errors.js';
import { writeBatchTwice } from '../../src/modules/messages/message-writer.js';
import { needsCheckedWrite } from '../../src/modules/messages/write-message-batch.command.js';
import { isPlainBatch, writePlainBatchMysql } from '../../src/modules/messages/write-message-batch.mysql.js';
import { BatchNeedsCheck } from '../../src/modules/messages/write-message-batch.statements.js';
import { call, signUp } from '../helpers/auth.js';
import type { TestDatabase } from '../helpers/database.js';
import { withMailApp } from '../helpers/mail-app.js';
import { batchTestKit } from '../helpers/message-batch.js';
import { createGroup } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

/**
 * The MySQL write path in two round trips (`write-message-batch.mysql.ts`, over the writer's own pool with
 * several statements per query): a plain batch is stored with gapless seqs; a stored clientId or a refused
 * sender rolls the whole attempt back (no counter bumped, nothing stored) and the checked write takes
 * over; a transaction some earlier failure left open on a connection is never committed by the next batch.
 */
describe('two-round-trip batch write on MariaDB', () => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let cy: User;

  withMailApp('mariadb', { now: () => new Date() }, (started) => ({ smtp, testDb, app } = started));
  beforeAll(async () => {
    [ada, bob, cy] = await Promise.all([
      signUp(app, smtp, { displayName: 'Ada' }),
      signUp(app, smtp, { displayName: 'Bob' }),
      signUp(app, smtp, { displayName: 'Cy' }),
    ]);
  });

  const db = () => testDb.database.db;
  const writer = (): Kysely<DB> => {
    const pool = testDb.database.writer;
    if (!pool) throw new Error('a MySQL database has a writer pool');
    return pool;
  };
  const { request, counters, stored, ok } = batchTestKit(db);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('stores a plain batch over two conversations with gapless seqs and revs, in batch order', async () => {
    const first = await createGroup(app, ada.session, 'First', [bob.userId]);
    const second = await createGroup(app, bob.session, 'Second', [ada.userId]);
    const batch = [
      request(first.id, ada, 'a1'),
      request(second.id, bob, 'b1'),
      request(first.id, bob, 'a2'),
      request(first.id, ada, 'a3'),
    ];
    const before = await counters(first.id);
    const results = await writePlainBatchMysql(writer(), batch, new Date());
    expect(results.map((r) => ok(r).row.seq)).toEqual([before.seq + 1, 1, before.seq + 2, before.seq + 3]);
    expect(results.every((r) => ok(r).created)).toBe(true);
    expect(await counters(first.id)).toEqual({ seq: before.seq + 3, rev: before.rev + 3 });
    expect((await stored(first.id)).slice(-3).map((row) => row.body)).toEqual(['a1', 'a2', 'a3']);
    expect((await stored(second.id)).map((row) => row.body)).toEqual(['b1']);
  });

  it('a stored clientId: the attempt rolls back whole, then the checked write returns the stored message', async () => {
    const group = await createGroup(app, ada.session, 'Retry', [bob.userId]);
    const original = request(group.id, ada, 'original');
    await writePlainBatchMysql(writer(), [original], new Date());
    const before = await counters(group.id);
    const batch = [request(group.id, bob, 'fresh'), { ...original, body: 'retry' }];
    const error = await failure(writePlainBatchMysql(writer(), batch, new Date()));
    expect(needsCheckedWrite(error)).toBe(true);
    // The counter UPDATE of that attempt was rolled back with its failed INSERT.
    expect(await counters(group.id)).toEqual(before);
    const results = await writeBatchTwice(db(), batch, () => new Date(), writer());
    expect(ok(results[0]).row.seq).toBe(before.seq + 1);
    expect(ok(results[1]).created).toBe(false);
    expect(ok(results[1]).row.body).toBe('original');
    expect((await stored(group.id)).map((row) => row.body)).toEqual(['original', 'fresh']);
  });

  it('a removed member: the guarded UPDATE refuses, nothing is bumped, the checked write stores the others', async () => {
    const group = await createGroup(app, ada.session, 'Removed', [bob.userId, cy.userId]);
    const removed = await call(app, 'DELETE', `/api/conversations/${group.id}/members/${cy.userId}`, {
      session: ada.session,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    const before = await counters(group.id);
    const batch = [request(group.id, bob, 'stays'), request(group.id, cy, 'gone')];
    expect(await failure(writePlainBatchMysql(writer(), batch, new Date()))).toBeInstanceOf(BatchNeedsCheck);
    expect(await counters(group.id)).toEqual(before);
    const results = await writeBatchTwice(db(), batch, () => new Date(), writer());
    expect(ok(results[0]).row.seq).toBe(before.seq + 1);
    expect((results[1] as AppError).code).toBe('not_found');
  });

  it('never commits a transaction an earlier failure left open on the connection', async () => {
    const group = await createGroup(app, ada.session, 'Leftover', [bob.userId]);
    const before = await counters(group.id);
    // One connection, so the batch below runs on the very connection left inside a transaction.
    const url = new URL(testDb.config.database.url);
    const single = createMysqlKysely<DB>({ uri: url.href, connectionLimit: 1, multipleStatements: true });
    try {
      await single.connection().execute(async (connection) => {
        await connection.executeQuery(
          CompiledQuery.raw('begin; update conversations set last_seq = last_seq + 100 where id = ?', [
            group.id,
          ]),
        );
      });
      const [result] = await writePlainBatchMysql(single, [request(group.id, bob, 'next')], new Date());
      expect(ok(result).row.seq).toBe(before.seq + 1);
    } finally {
      await single.destroy();
    }
    expect(await counters(group.id)).toEqual({ seq: before.seq + 1, rev: before.rev + 1 });
  });

  it('takes only text batches with each (sender, clientId) once', () => {
    const plain = request('c', ada, 'x', 'k1');
    expect(isPlainBatch([plain, request('c', ada, 'y', 'k2')])).toBe(true);
    expect(isPlainBatch([plain, { ...plain }])).toBe(false);
    expect(isPlainBatch([{ ...plain, attachmentIds: ['a'] }])).toBe(false);
    expect(isPlainBatch([{ ...plain, replyToId: 'm' }])).toBe(false);
    expect(isPlainBatch([{ ...plain, mentionIds: [bob.userId] }])).toBe(false);
    expect(isPlainBatch([{ ...plain, mentionIds: [] }])).toBe(true);
  });
});
