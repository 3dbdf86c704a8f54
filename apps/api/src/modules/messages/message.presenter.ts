import {
  type Attachment,
  type Message,
  type Reaction,
  type ReplyTo,
  replyExcerpt,
  type SystemEvent,
} from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import type { AttachmentRow, MessageRow } from './message.repository.js';
import type { ReactionRow } from './reaction.repository.js';

export function presentAttachment(row: AttachmentRow): Attachment {
  return { id: row.id, name: row.name, size: Number(row.size), contentType: row.content_type };
}

/** Live reactions (oldest first) grouped by emoji, each emoji in the order it was first used. */
export function presentReactions(rows: readonly ReactionRow[]): Reaction[] {
  const byEmoji = new Map<string, string[]>();
  for (const row of rows) {
    const users = byEmoji.get(row.emoji);
    if (users) users.push(row.user_id);
    else byEmoji.set(row.emoji, [row.user_id]);
  }
  return [...byEmoji].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds }));
}

/** The quoted original of a reply; a deleted one says so and shows none of its text. */
export function presentReplyTo(original: MessageRow): ReplyTo {
  const deleted = original.deleted_at !== null;
  return {
    id: original.id,
    seq: Number(original.seq),
    senderId: original.sender_id,
    excerpt: deleted ? '' : replyExcerpt(original.body),
    deleted,
  };
}

/** What a message is shown with besides its own row. */
export interface MessageParts {
  readonly attachments?: readonly AttachmentRow[] | undefined;
  readonly reactions?: readonly ReactionRow[] | undefined;
  /** The original of a reply (undefined for a message that is not one). */
  readonly replyTo?: MessageRow | undefined;
  /** Who the message mentions (user ids, sorted). */
  readonly mentionIds?: readonly string[] | undefined;
}

/**
 * A deleted message is a tombstone: id, seq, sender, deletedAt and what it replied to stay; body,
 * attachments, reactions and mentions go.
 */
export function presentMessage(row: MessageRow, parts: MessageParts = {}): Message {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    rev: Number(row.rev),
    senderId: row.sender_id,
    clientId: row.client_id,
    body: deleted ? '' : row.body,
    attachments: deleted ? [] : (parts.attachments ?? []).map(presentAttachment),
    createdAt: fromDbTime(row.created_at),
    editedAt: row.edited_at === null ? null : fromDbTime(row.edited_at),
    deletedAt: row.deleted_at === null ? null : fromDbTime(row.deleted_at),
    reactions: deleted ? [] : presentReactions(parts.reactions ?? []),
    replyTo: parts.replyTo ? presentReplyTo(parts.replyTo) : null,
    mentionIds: deleted ? [] : [...(parts.mentionIds ?? [])],
    kind: row.kind,
    system: presentSystemEvent(row),
  };
}

/** What a timeline line records (null for a member's message). */
export function presentSystemEvent(row: MessageRow): SystemEvent | null {
  if (row.kind !== 'system' || row.system_event === null) return null;
  return {
    event: row.system_event,
    actorId: row.sender_id,
    ...(row.system_target_id === null ? {} : { targetId: row.system_target_id }),
    ...(row.system_title === null ? {} : { title: row.system_title }),
  };
}
