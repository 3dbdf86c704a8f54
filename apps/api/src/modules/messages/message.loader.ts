import type { Message } from '@parley/contract';
import type { Executor } from '../../db/schema.js';
import { mentionsByMessage } from './mention.repository.js';
import { presentMessage } from './message.presenter.js';
import { attachmentsByMessage, findMessages, type MessageRow } from './message.repository.js';
import { reactionsByMessage } from './reaction.repository.js';

/**
 * Message rows as the contract shows them: each with its live attachments, its live reactions, its
 * mentions and, for a reply, its original as it is now; four queries per 500 rows. The one way from rows to `Message`
 * (history, catch-up, edits, reactions, a conversation's last message).
 */
export async function loadMessages(db: Executor, rows: readonly MessageRow[]): Promise<Message[]> {
  const ids = rows.map((row) => row.id);
  const attachments = await attachmentsByMessage(db, ids);
  const reactions = await reactionsByMessage(db, ids);
  const mentions = await mentionsByMessage(db, ids);
  const originalIds = rows.flatMap((row) => (row.reply_to_id === null ? [] : [row.reply_to_id]));
  const originals = new Map((await findMessages(db, originalIds)).map((row) => [row.id, row]));
  return rows.map((row) =>
    presentMessage(row, {
      attachments: attachments.get(row.id),
      reactions: reactions.get(row.id),
      mentionIds: mentions.get(row.id),
      replyTo: row.reply_to_id === null ? undefined : originals.get(row.reply_to_id),
    }),
  );
}

/** `loadMessages` for one row. */
export async function loadMessage(db: Executor, row: MessageRow): Promise<Message> {
  const [message] = await loadMessages(db, [row]);
  if (!message) throw new Error(`message ${row.id} was not loaded`);
  return message;
}
