import type { Selectable, Updateable } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import type { AttachmentsTable, Executor, MessagesTable } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';

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

/** A page of history by seq, deleted messages included (tombstones): newest first internally, returned oldest first. */
export async function listMessages(
  db: Executor,
  conversationId: string,
  page: { before?: number | undefined; after?: number | undefined; limit: number },
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
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
