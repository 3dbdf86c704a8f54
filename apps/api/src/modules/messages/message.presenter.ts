import type { Attachment, Message } from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import type { AttachmentRow, MessageRow } from './message.repository.js';

export function presentAttachment(row: AttachmentRow): Attachment {
  return { id: row.id, name: row.name, size: Number(row.size), contentType: row.content_type };
}

/** A deleted message is a tombstone: id, seq, sender and deletedAt stay; body and attachments go. */
export function presentMessage(row: MessageRow, attachments: readonly AttachmentRow[] = []): Message {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    rev: Number(row.rev),
    senderId: row.sender_id,
    clientId: row.client_id,
    body: deleted ? '' : row.body,
    attachments: deleted ? [] : attachments.map(presentAttachment),
    createdAt: fromDbTime(row.created_at),
    editedAt: row.edited_at === null ? null : fromDbTime(row.edited_at),
    deletedAt: row.deleted_at === null ? null : fromDbTime(row.deleted_at),
  };
}
