import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { WriterMetrics } from '../../platform/metrics/metrics.js';
import { MessageBatchScheduler } from './message-batch.scheduler.js';
import { isWriteConflict, MAX_MESSAGE_BATCH, writeMessageBatch } from './write-message-batch.command.js';

/**
 * The write path: concurrent sends are grouped into one transaction (one commit, one fsync) by the
 * scheduler (`message-batch.scheduler.ts`), and each batch is stored by one command
 * (`write-message-batch.command.ts`), where each conversation's seq is handed out from its counter row, so
 * seq stays gapless and ordered whatever the commit order. A promise resolves only after its transaction
 * committed: an acknowledged message is durable. Retries of a clientId return the stored message.
 */
export class MessageWriter extends MessageBatchScheduler {
  constructor(
    db: Kysely<DB>,
    now: () => Date,
    /** Transactions in flight at once; more lets MySQL group-commit several batches. */
    concurrency: number,
    /** Batch sizes and send → durable ack times. */
    metrics?: WriterMetrics,
  ) {
    super((requests) => db.transaction().execute((trx) => writeMessageBatch(trx, requests, now())), {
      concurrency,
      maxBatch: MAX_MESSAGE_BATCH,
      isRetryable: isWriteConflict,
      ...(metrics ? { metrics } : {}),
    });
  }
}
