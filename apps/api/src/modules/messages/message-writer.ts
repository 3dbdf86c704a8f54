import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { WriterMetrics } from '../../platform/metrics/metrics.js';
import { MessageBatchScheduler } from './message-batch.scheduler.js';
import {
  isWriteConflict,
  MAX_MESSAGE_BATCH,
  needsCheckedWrite,
  type SendRequest,
  writeMessageBatch,
} from './write-message-batch.command.js';
import { isPlainBatch, writePlainBatchMysql } from './write-message-batch.mysql.js';

/**
 * The write path: concurrent sends are grouped into one transaction (one commit, one fsync) by the
 * scheduler (`message-batch.scheduler.ts`), and each batch is stored by one command
 * (`write-message-batch.command.ts`), where each conversation's seq is handed out from its counter row, so
 * seq stays gapless and ordered whatever the commit order. A promise resolves only after its transaction
 * committed: an acknowledged message is durable. Retries of a clientId return the stored message.
 *
 * A batch is first written without look-ups (the fast path: no retry or membership SELECT); when that
 * finds a retry or a refused sender it rolls back and the batch is written again with them
 * (`writeBatchTwice`).
 */
export class MessageWriter extends MessageBatchScheduler {
  constructor(
    db: Kysely<DB>,
    now: () => Date,
    /** Transactions in flight at once; more lets MySQL group-commit several batches. */
    concurrency: number,
    /** Batch sizes and send → durable ack times. */
    metrics?: WriterMetrics,
    /** MySQL: the writer's own pool (`Database.writer`), for plain batches in two round trips. */
    writerDb?: Kysely<DB>,
  ) {
    super((requests) => writeBatchTwice(db, requests, now, writerDb), {
      concurrency,
      maxBatch: MAX_MESSAGE_BATCH,
      isRetryable: isWriteConflict,
      ...(metrics ? { metrics } : {}),
    });
  }
}

/**
 * One batch: unchecked first; if the counter UPDATE refused a conversation or the INSERT met a stored
 * (sender, clientId), that transaction rolled back and the batch is written again checked, in a new one.
 * With `writerDb` (MySQL), a plain batch's unchecked write takes two round trips
 * (`write-message-batch.mysql.ts`) instead of the query builder's five.
 */
export async function writeBatchTwice(
  db: Kysely<DB>,
  requests: readonly SendRequest[],
  now: () => Date,
  writerDb?: Kysely<DB>,
): Promise<Awaited<ReturnType<typeof writeMessageBatch>>> {
  try {
    if (writerDb && isPlainBatch(requests)) return await writePlainBatchMysql(writerDb, requests, now());
    return await db.transaction().execute((trx) => writeMessageBatch(trx, requests, now()));
  } catch (error) {
    if (!needsCheckedWrite(error)) throw error;
    return db.transaction().execute((trx) => writeMessageBatch(trx, requests, now(), { checked: true }));
  }
}
