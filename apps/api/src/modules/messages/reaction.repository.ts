import type { Selectable } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import type { DbTime, Executor, ReactionsTable } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';
import { newId } from '../../ids.js';

export type ReactionRow = Pick<Selectable<ReactionsTable>, 'message_id' | 'user_id' | 'emoji' | 'created_at'>;

/** Live reactions of these messages, by message id, oldest first (ties by id). */
export async function reactionsByMessage(
  db: Executor,
  messageIds: readonly string[],
): Promise<Map<string, ReactionRow[]>> {
  const byMessage = new Map<string, ReactionRow[]>();
  const rows = await selectInChunks(messageIds, (slice) =>
    selectLive(db, 'reactions')
      .select(['message_id', 'user_id', 'emoji', 'created_at'])
      .where('message_id', 'in', slice)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  );
  for (const row of rows) {
    const list = byMessage.get(row.message_id);
    if (list) list.push(row);
    else byMessage.set(row.message_id, [row]);
  }
  return byMessage;
}

export interface ReactionKey {
  messageId: string;
  userId: string;
  emoji: string;
}

/** Whether the user's reaction with this emoji on this message is live. */
export async function hasLiveReaction(db: Executor, key: ReactionKey): Promise<boolean> {
  const row = await selectLive(db, 'reactions')
    .select('id')
    .where('message_id', '=', key.messageId)
    .where('user_id', '=', key.userId)
    .where('emoji', '=', key.emoji)
    .executeTakeFirst();
  return row !== undefined;
}

/** Adds a live reaction (the unique index refuses a second live one for the same key). */
export async function insertReaction(db: Executor, key: ReactionKey, now: DbTime): Promise<void> {
  await db
    .insertInto('reactions')
    .values({
      id: newId(),
      message_id: key.messageId,
      user_id: key.userId,
      emoji: key.emoji,
      created_at: now,
      deleted_at: null,
    })
    .execute();
}

/** Soft-deletes the live reaction of this key; whether there was one. */
export async function removeReaction(db: Executor, key: ReactionKey, now: DbTime): Promise<boolean> {
  const result = await db
    .updateTable('reactions')
    .set({ deleted_at: now })
    .where('message_id', '=', key.messageId)
    .where('user_id', '=', key.userId)
    .where('emoji', '=', key.emoji)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
