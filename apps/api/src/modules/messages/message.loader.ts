import type { Message } from '@parley/contract';
import type { Executor } from '../../db/schema.js';
import { presentMessage } from './message.presenter.js';
import { attachmentsByMessage, type MessageRow } from './message.repository.js';

/**
 * Message rows as the contract shows them: each with its live attachments, read in one query per 500
 * rows. The one way from rows to `Message` (history, catch-up, edits, a conversation's last message).
 */
export async function loadMessages(db: Executor, rows: readonly MessageRow[]): Promise<Message[]> {
  const attachments = await attachmentsByMessage(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => presentMessage(row, attachments.get(row.id)));
}

/** `loadMessages` for one row. */
export async function loadMessage(db: Executor, row: MessageRow): Promise<Message> {
  const attachments = await attachmentsByMessage(db, [row.id]);
  return presentMessage(row, attachments.get(row.id));
}
