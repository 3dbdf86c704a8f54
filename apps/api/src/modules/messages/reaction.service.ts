import type { Message } from '@parley/contract';
import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { AppError } from '../../errors.js';
import { channels } from '../../platform/bus/event-bus.js';
import { nextRev } from '../conversations/conversation.repository.js';
import { readOnlyConversation, requireMembership } from '../conversations/conversation.service.js';
import { isPeerDeleted } from '../conversations/member.repository.js';
import { loadMessage } from './message.loader.js';
import { findMessage, stampLiveMessage } from './message.repository.js';
import { type MessageDeps, timelineEventUnchangeable } from './message.service.js';
import { hasLiveReaction, insertReaction, type ReactionKey, removeReaction } from './reaction.repository.js';

const messageNotFound = () => new AppError('not_found', 'Message not found');
const messageDeleted = () => new AppError('conflict', 'The message was deleted');

/** Thrown inside the transaction when another request already made the change: rolls back the rev. */
class AlreadyDone extends Error {}

/**
 * Adds (`on`) or removes the user's reaction with one emoji (already in its stored form) on a message.
 * Idempotent: when the reaction is already as asked, nothing is written and nothing is announced.
 * Otherwise the change takes the conversation's next rev and stamps the message with it, in one
 * transaction, like an edit (ADR 0015): after the commit every member's connections get a
 * `message_updated` with the new reactions, and a reconnecting client's resume replays it once.
 * Members only (404 otherwise); a deleted message or a timeline event takes no reactions (409); in a read-only conversation
 * a reaction can be removed but not added (403).
 */
export async function setReaction(
  deps: MessageDeps,
  userId: string,
  messageId: string,
  emoji: string,
  on: boolean,
): Promise<void> {
  const existing = await findMessage(deps.db, messageId);
  if (!existing) throw messageNotFound();
  // Non-members learn nothing, not even that the message exists.
  const membership = await requireMembership(deps.db, existing.conversation_id, userId).catch(() => {
    throw messageNotFound();
  });
  if (existing.kind === 'system') throw timelineEventUnchangeable();
  if (existing.deleted_at !== null) throw messageDeleted();
  if (
    on &&
    membership.type === 'direct' &&
    (await isPeerDeleted(deps.db, existing.conversation_id, userId))
  ) {
    throw readOnlyConversation();
  }
  const key: ReactionKey = { messageId, userId, emoji };
  // The common repeat (a double click, a retried request) costs one read and no rev.
  if ((await hasLiveReaction(deps.db, key)) === on) return;

  const now = toDbTime(deps.now());
  let message: Message;
  try {
    message = await deps.db.transaction().execute(async (trx) => {
      // The counter row's lock serialises this with every other change of the conversation, so the
      // check below sees any reaction committed before it.
      const rev = await nextRev(trx, existing.conversation_id, null);
      if ((await hasLiveReaction(trx, key)) === on) throw new AlreadyDone();
      if (on) await insertReaction(trx, key, now);
      else await removeReaction(trx, key, now);
      if (!(await stampLiveMessage(trx, messageId, rev))) throw messageDeleted();
      // Read in the same transaction: the event shows exactly the state of its rev.
      const row = await findMessage(trx, messageId);
      if (!row) throw messageNotFound();
      return loadMessage(trx, row);
    });
  } catch (error) {
    // A second live row for the key is refused by the unique index: the same request won elsewhere.
    if (error instanceof AlreadyDone || (on && isUniqueViolation(error))) return;
    throw error;
  }
  deps.bus.publish(channels.conversation(message.conversationId), {
    kind: 'message_updated',
    conversationId: message.conversationId,
    message,
  });
}
