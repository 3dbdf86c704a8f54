import { randomUUID } from 'node:crypto';
import type { Selectable, Transaction, Updateable } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import type {
  AttachmentsTable,
  DB,
  DbTime,
  Executor,
  MessagesTable,
  SystemEventKind,
} from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';
import { newMessageId } from '../../ids.js';

export type MessageRow = Selectable<MessagesTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;

/**
 * Attachments of these messages, by message id, in the order they were sent (`position`; older rows by
 * upload time), deleted attachments left out.
 */
export async function attachmentsByMessage(
  db: Executor,
  messageIds: readonly string[],
): Promise<Map<string, AttachmentRow[]>> {
  const byMessage = new Map<string, AttachmentRow[]>();
  const rows = await selectInChunks(messageIds, (slice) =>
    selectLive(db, 'attachments')
      .selectAll()
      .where('message_id', 'in', slice)
      .orderBy('position')
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  );
  for (const row of rows) {
    const id = row.message_id ?? '';
    let list = byMessage.get(id);
    if (!list) {
      list = [];
      byMessage.set(id, list);
    }
    list.push(row);
  }
  return byMessage;
}

/** A message by id, deleted or not (a deleted one is a tombstone that keeps its place). */
export function findMessage(db: Executor, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Messages by id, deleted ones included (the originals replies quote). */
export function findMessages(db: Executor, ids: readonly string[]): Promise<MessageRow[]> {
  return selectInChunks(ids, (slice) =>
    db.selectFrom('messages').selectAll().where('id', 'in', slice).execute(),
  );
}

/**
 * Stamps a live message with the change number it got for a change that is not its own text (a
 * reaction); false when it was deleted meanwhile.
 */
export async function stampLiveMessage(db: Executor, id: string, rev: number): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ rev })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Edits or deletes a message that is not deleted yet, stamping the change number it got; the changed row,
 * or undefined when it was deleted meanwhile.
 */
export async function updateLiveMessage(
  db: Executor,
  id: string,
  patch: Pick<Updateable<MessagesTable>, 'body' | 'edited_at' | 'deleted_at'> & { rev: number },
): Promise<MessageRow | undefined> {
  const result = await db
    .updateTable('messages')
    .set(patch)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export interface HistoryPage {
  before?: number | undefined;
  after?: number | undefined;
  around?: number | undefined;
  limit: number;
}

/**
 * History around one seq: it and the messages after it, with up to half of `limit` before it (more when
 * fewer follow), in seq order; `hasMore` says older ones exist, `hasMoreAfter` newer ones. Reads at most
 * `limit + 1` rows each way.
 */
async function listAround(
  db: Executor,
  conversationId: string,
  around: number,
  limit: number,
): Promise<{ rows: MessageRow[]; hasMore: boolean; hasMoreAfter: boolean }> {
  const base = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
  const older = await base
    .where('seq', '<', around)
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  const newer = await base
    .where('seq', '>=', around)
    .orderBy('seq', 'asc')
    .limit(limit + 1)
    .execute();
  const olderCount = Math.min(older.length, Math.max(Math.floor(limit / 2), limit - newer.length));
  const newerCount = Math.min(newer.length, limit - olderCount);
  return {
    rows: [...older.slice(0, olderCount).reverse(), ...newer.slice(0, newerCount)],
    hasMore: older.length > olderCount,
    hasMoreAfter: newer.length > newerCount,
  };
}

/**
 * A page of history by seq, deleted messages included (tombstones), oldest first: the newest page, the
 * one `before` or `after` a seq, or the one `around` a seq.
 */
export async function listMessages(
  db: Executor,
  conversationId: string,
  page: HistoryPage,
): Promise<{ rows: MessageRow[]; hasMore: boolean; hasMoreAfter?: boolean }> {
  if (page.around !== undefined) return listAround(db, conversationId, page.around, page.limit);
  let query = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
  if (page.after !== undefined) {
    query = query.where('seq', '>', page.after).orderBy('seq', 'asc');
  } else {
    if (page.before !== undefined) query = query.where('seq', '<', page.before);
    query = query.orderBy('seq', 'desc');
  }
  const rows = await query.limit(page.limit + 1).execute();
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  if (page.after === undefined) pageRows.reverse();
  return { rows: pageRows, hasMore };
}

/**
 * One page of what a reconnecting client has not seen: new messages after `since.seq` and changed ones
 * after `since.rev` (deletions included: the client must learn of them), in seq order, continuing after
 * `afterSeq` (keyset paging).
 */
export function messagesSince(
  db: Executor,
  conversationId: string,
  since: { seq: number; rev: number },
  page: { afterSeq: number; limit: number },
) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', page.afterSeq)
    .where((eb) => eb.or([eb('seq', '>', since.seq), eb('rev', '>', since.rev)]))
    .orderBy('seq', 'asc')
    .limit(page.limit)
    .execute();
}

/** A timeline event to store: what happened, who did it, to whom, and a rename's new title. */
export interface SystemEventInput {
  readonly conversationId: string;
  readonly event: SystemEventKind;
  readonly actorId: string;
  readonly targetId?: string | undefined;
  readonly title?: string | undefined;
}

/**
 * Stores a timeline event ("added", "removed", "left", "renamed") in the caller's transaction — the one
 * that makes the change it records — as a `system` message with the conversation's next seq and rev,
 * taken by the same counter UPDATE as a batch of sends (so seq stays gapless and ordered whatever
 * commits first), and marks the conversation active. The body is empty: a body search cannot match it.
 * The clientId is a fresh UUID nobody sends (the (sender, clientId) key stays unique).
 */
export async function insertSystemEvent(
  trx: Transaction<DB>,
  input: SystemEventInput,
  now: DbTime,
): Promise<MessageRow> {
  await trx
    .updateTable('conversations')
    .set((eb) => ({
      last_seq: eb('last_seq', '+', 1),
      last_rev: eb('last_rev', '+', 1),
      last_message_at: now,
      updated_at: now,
    }))
    .where('id', '=', input.conversationId)
    .execute();
  const counters = await trx
    .selectFrom('conversations')
    .select(['last_seq', 'last_rev'])
    .where('id', '=', input.conversationId)
    .executeTakeFirstOrThrow();
  const row: MessageRow = {
    id: newMessageId(),
    conversation_id: input.conversationId,
    seq: Number(counters.last_seq),
    rev: Number(counters.last_rev),
    sender_id: input.actorId,
    client_id: randomUUID(),
    body: '',
    created_at: now,
    edited_at: null,
    deleted_at: null,
    reply_to_id: null,
    kind: 'system',
    system_event: input.event,
    system_target_id: input.targetId ?? null,
    system_title: input.title ?? null,
  };
  await trx.insertInto('messages').values(row).execute();
  return row;
}
