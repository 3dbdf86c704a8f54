import type { Transaction } from 'kysely';
import type { DB, DbTime, Executor } from '../../db/schema.js';
import { insertSystemEvent, type MessageRow } from '../messages/message.repository.js';
import { groupMembershipsOf, lockConversations } from './conversation.repository.js';
import { firstInLine, leaveConversations, setMemberRole } from './member.repository.js';

/**
 * The one succession rule: a group with active members always has an owner. When it has none (its owner
 * left or deleted their account), the longest-standing admin becomes owner, else the longest-standing
 * member (ties by user id; see `firstInLine`). A group nobody is in any more keeps no owner. Returns the
 * new owner, if any.
 */
export async function ensureGroupOwner(trx: Executor, conversationId: string): Promise<string | undefined> {
  const heir = await firstInLine(trx, conversationId);
  if (!heir || heir.role === 'owner') return undefined;
  await setMemberRole(trx, conversationId, heir.user_id, 'owner');
  return heir.user_id;
}

/**
 * Ends every group membership of a user whose account is being deleted, in the caller's transaction:
 * a deleted account is no longer a member of any group, each group it owned gets its successor by
 * `ensureGroupOwner`, and each gets a "left" timeline line. Direct conversations keep both members (and
 * become read-only). Returns the ids of the groups that changed and the lines to announce after commit.
 */
export async function endGroupMemberships(
  trx: Transaction<DB>,
  userId: string,
  now: DbTime,
): Promise<{ conversationIds: string[]; events: MessageRow[] }> {
  const groups = await groupMembershipsOf(trx, userId);
  const ids = groups.map((g) => g.conversation_id);
  await lockConversations(trx, ids, now);
  await leaveConversations(trx, userId, ids, now);
  const events: MessageRow[] = [];
  for (const group of groups) {
    if (group.role === 'owner') await ensureGroupOwner(trx, group.conversation_id);
    events.push(
      await insertSystemEvent(
        trx,
        { conversationId: group.conversation_id, event: 'left', actorId: userId },
        now,
      ),
    );
  }
  return { conversationIds: ids, events };
}
