import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import {
  groupByConversation,
  numberRows,
  type SendRequest,
  type SendResult,
} from './write-message-batch.command.js';
import {
  BatchNeedsCheck,
  type Counters,
  counterRead,
  counterUpdate,
  messageInserts,
} from './write-message-batch.statements.js';

/**
 * The unchecked write of a plain batch on MySQL in two round trips instead of five, over the writer's own
 * pool whose connections take several statements per query (`Database.writer`):
 *
 *   1. `rollback; begin; <guarded counter UPDATE>; <read of the new counters>`
 *   2. `<multi-row INSERT>; commit`
 *
 * The leading `rollback` makes sure no transaction left open on the connection by a failure (whose own
 * rollback failed too) is committed by the `begin`. The same statements as `writeMessageBatch` unchecked (`write-message-batch.statements.ts`), only sent
 * together: MySQL runs a query's statements in order and stops at the first error, so a failed INSERT
 * never reaches the COMMIT. When the UPDATE refused a conversation the transaction is rolled back and
 * BatchNeedsCheck thrown; a failed INSERT (a stored clientId: a unique violation) or any other error rolls
 * back and is rethrown — the caller then writes the batch checked, as after the five-statement path.
 */
export async function writePlainBatchMysql(
  writer: Kysely<DB>,
  requests: readonly SendRequest[],
  now: Date,
): Promise<(SendResult | Error)[]> {
  const nowText = toDbTime(now);
  const byConversation = groupByConversation(requests.map((request, index) => ({ index, request })));
  const update = counterUpdate(byConversation, nowText, true);
  const read = counterRead(update.conversationIds);
  return writer.connection().execute(async (connection) => {
    try {
      const [, , updated, counters] = await statements(
        connection,
        `rollback; begin; ${update.sql}; ${read.sql}`,
        [...update.parameters, ...read.parameters],
        4,
      );
      if (affectedRows(updated) !== update.conversationIds.length) throw new BatchNeedsCheck();
      const countersById = new Map<string, Counters>();
      for (const row of counters as (Counters & { id: string })[]) countersById.set(row.id, row);
      const results: (SendResult | Error | undefined)[] = new Array(requests.length).fill(undefined);
      const inserts = messageInserts(numberRows(byConversation, countersById, nowText, results));
      await statements(
        connection,
        `${inserts.map((insert) => insert.sql).join('; ')}; commit`,
        inserts.flatMap((insert) => insert.parameters),
        inserts.length + 1,
      );
      return results.map((result, index) => result ?? new Error(`send ${index} produced no result`));
    } catch (error) {
      await rollback(connection);
      throw error;
    }
  });
}

/** Whether the batch can take the two-round-trip path: text only, each (sender, clientId) once. */
export function isPlainBatch(requests: readonly SendRequest[]): boolean {
  const keys = new Set<string>();
  for (const request of requests) {
    if (request.attachmentIds.length > 0 || request.replyToId || (request.mentionIds?.length ?? 0) > 0)
      return false;
    keys.add(`${request.senderId}|${request.clientId}`);
  }
  return keys.size === requests.length;
}

/** Runs several statements as one query; the result of each (mysql2 gives one per statement). */
async function statements(
  connection: Kysely<DB>,
  sql: string,
  parameters: unknown[],
  count: number,
): Promise<unknown[]> {
  const { rows } = await connection.executeQuery(CompiledQuery.raw(sql, parameters));
  if (rows.length !== count) throw new Error(`expected ${count} statement results, got ${rows.length}`);
  return rows;
}

function affectedRows(result: unknown): number {
  return Number((result as { affectedRows?: unknown }).affectedRows ?? -1);
}

/**
 * Ends the connection's transaction at once, releasing its locks (nothing happens when none is open). If
 * this fails too, the next batch on the connection starts with its own `rollback`.
 */
async function rollback(connection: Kysely<DB>): Promise<void> {
  await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
}
