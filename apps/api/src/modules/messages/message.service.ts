import type { Message, MessagePage } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { AppError, validationError } from '../../errors.js';
import { channels, type EventBus } from '../../platform/bus/event-bus.js';
import { nextRev } from '../conversations/conversation.repository.js';
import {
  readOnlyConversation,
  requireMembership,
  requireWritableMembership,
} from '../conversations/conversation.service.js';
import { advanceReadMarker, isPeerDeleted } from '../conversations/member.repository.js';
import { loadMessage, loadMessages } from './message.loader.js';
import { presentMessage } from './message.presenter.js';
import { findMessage, type HistoryPage, listMessages, updateLiveMessage } from './message.repository.js';
import type { MessageWriter } from './message-writer.js';

export interface MessageDeps {
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly writer: MessageWriter;
  readonly now: () => Date;
}

const messageNotFound = () => new AppError('not_found', 'Message not found');

/** A timeline line ("added", "renamed"…) records what happened: nobody edits, deletes or reacts to it. */
export const timelineEventUnchangeable = () =>
  new AppError('conflict', 'A timeline event cannot be edited, deleted or reacted to');

/** 1–4,000 characters and not only whitespace; a message with attachments may have no text. */
function assertSendableBody(body: string, attachmentCount: number): void {
  if (attachmentCount > 0) return;
  if (body.trim().length === 0) throw validationError('body.body', 'must not be empty');
}

export interface SendInput {
  conversationId: string;
  clientId: string;
  body: string;
  attachmentIds?: readonly string[] | undefined;
  replyToId?: string | undefined;
  /** Members to mention; repeats are folded. */
  mentionIds?: readonly string[] | undefined;
}

/**
 * Stores a message (or returns the one stored under the same clientId) and, only after the commit,
 * tells every member's connections. Resolves when the message is durable.
 */
export async function sendMessage(
  deps: MessageDeps,
  senderId: string,
  input: SendInput,
): Promise<{ message: Message; created: boolean }> {
  const attachmentIds = [...new Set(input.attachmentIds ?? [])];
  // Sorted as they are read back, so the ack and the history show the same list.
  const mentionIds = [...new Set(input.mentionIds ?? [])].sort();
  assertSendableBody(input.body, attachmentIds.length);
  const result = await deps.writer.send({
    conversationId: input.conversationId,
    senderId,
    clientId: input.clientId,
    body: input.body,
    attachmentIds,
    replyToId: input.replyToId ?? null,
    mentionIds,
  });
  // A retry gets the stored message as it is now (reactions may have come since); a new one has none.
  const message = result.created
    ? presentMessage(result.row, { attachments: result.attachments, replyTo: result.replyTo, mentionIds })
    : await loadMessage(deps.db, result.row);
  if (result.created) {
    deps.bus.publish(channels.conversation(message.conversationId), {
      kind: 'message',
      conversationId: message.conversationId,
      message,
    });
  }
  return { message, created: result.created };
}

export async function listHistory(
  deps: MessageDeps,
  userId: string,
  conversationId: string,
  page: HistoryPage,
): Promise<MessagePage> {
  await requireMembership(deps.db, conversationId, userId);
  const { rows, hasMore, hasMoreAfter } = await listMessages(deps.db, conversationId, page);
  const messages = await loadMessages(deps.db, rows);
  return hasMoreAfter === undefined ? { messages, hasMore } : { messages, hasMore, hasMoreAfter };
}

/** Edit or delete: bumps the conversation's change counter so reconnecting clients see the change. */
async function changeMessage(
  deps: MessageDeps,
  userId: string,
  messageId: string,
  change: { body: string } | { delete: true },
): Promise<Message> {
  const existing = await findMessage(deps.db, messageId);
  if (!existing) throw messageNotFound();
  // Non-members learn nothing, not even that the message exists.
  const membership = await requireMembership(deps.db, existing.conversation_id, userId).catch(() => {
    throw messageNotFound();
  });
  if (existing.kind === 'system') throw timelineEventUnchangeable();
  if (existing.sender_id !== userId) throw new AppError('forbidden', 'Only the sender can change a message');
  // A read-only conversation takes no new words; deleting your own stays possible.
  if (
    'body' in change &&
    membership.type === 'direct' &&
    (await isPeerDeleted(deps.db, existing.conversation_id, userId))
  ) {
    throw readOnlyConversation();
  }
  if (existing.deleted_at !== null) throw new AppError('conflict', 'The message was deleted');
  const now = toDbTime(deps.now());
  const row = await deps.db.transaction().execute(async (trx) => {
    const rev = await nextRev(trx, existing.conversation_id, now);
    const changed = await updateLiveMessage(
      trx,
      messageId,
      'body' in change ? { body: change.body, edited_at: now, rev } : { deleted_at: now, rev },
    );
    if (!changed) throw new AppError('conflict', 'The message was deleted');
    return changed;
  });
  const message = await loadMessage(deps.db, row);
  deps.bus.publish(channels.conversation(message.conversationId), {
    kind: 'message_updated',
    conversationId: message.conversationId,
    message,
  });
  return message;
}

export function editMessage(
  deps: MessageDeps,
  userId: string,
  messageId: string,
  body: string,
): Promise<Message> {
  assertSendableBody(body, 0);
  return changeMessage(deps, userId, messageId, { body });
}

export async function deleteMessage(deps: MessageDeps, userId: string, messageId: string): Promise<void> {
  await changeMessage(deps, userId, messageId, { delete: true });
}

/** Moves the caller's read marker forward only (never past the last message) and tells the members. */
export async function markRead(
  deps: MessageDeps,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<void> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  const target = Math.min(seq, Number(membership.last_seq));
  if (await advanceReadMarker(deps.db, conversationId, userId, target)) {
    deps.bus.publish(channels.conversation(conversationId), {
      kind: 'read',
      conversationId,
      userId,
      seq: target,
    });
  }
}

/** Typing indicators are not stored; members get them live or not at all. None in read-only ones. */
export async function announceTyping(
  deps: MessageDeps,
  userId: string,
  conversationId: string,
): Promise<void> {
  await requireWritableMembership(deps.db, conversationId, userId);
  deps.bus.publish(channels.conversation(conversationId), { kind: 'typing', conversationId, userId });
}
