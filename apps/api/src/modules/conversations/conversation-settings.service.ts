import type { Conversation } from '@parley/contract';
import { toDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import { insertSystemEvent } from '../messages/message.repository.js';
import { findMembership, lockConversations, setConversationTitle } from './conversation.repository.js';
import {
  activeMemberIds,
  announce,
  assertGroupManager,
  type ConversationDeps,
  conversationNotFound,
  getConversation,
  publishSystemEvent,
  requireMembership,
} from './conversation.service.js';
import { findMemberRow, setMemberRole, setMemberSettings } from './member.repository.js';

/*
 * A group's name and roles, and each member's own settings of a conversation (issue 13): the rules of
 * who may change what sit beside the changes; membership itself is conversation.service.ts.
 */

/**
 * Owner/admins rename a group (the title follows the rules of a new group's). The "renamed" timeline
 * line is stored in the same transaction; the same title again changes nothing.
 */
export async function renameConversation(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
  title: string,
): Promise<Conversation> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  assertGroupManager(membership, 'rename a group');
  if (membership.title === title) return getConversation(deps, userId, conversationId);
  const now = toDbTime(deps.now());
  const event = await deps.db.transaction().execute(async (trx) => {
    await lockConversations(trx, [conversationId], now);
    // Read again under the lock: a demotion or removal that committed first is respected.
    const current = await findMembership(trx, conversationId, userId);
    if (!current) throw conversationNotFound();
    assertGroupManager(current, 'rename a group');
    await setConversationTitle(trx, conversationId, title);
    return insertSystemEvent(trx, { conversationId, event: 'renamed', actorId: userId, title }, now);
  });
  announce(deps, conversationId, await activeMemberIds(deps.db, conversationId));
  await publishSystemEvent(deps, event);
  return getConversation(deps, userId, conversationId);
}

/**
 * The owner makes a member an admin, or an admin a member again. The owner's own role does not change
 * here (ownership passes only when the owner leaves); the target must be an active member. Asking for the
 * role someone already has changes nothing.
 */
export async function changeMemberRole(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
  memberId: string,
  role: 'admin' | 'member',
): Promise<void> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  if (membership.type !== 'group') throw new AppError('forbidden', 'Direct conversations have no roles');
  if (membership.role !== 'owner') throw new AppError('forbidden', 'Only the owner changes roles');
  const now = toDbTime(deps.now());
  const changed = await deps.db.transaction().execute(async (trx) => {
    await lockConversations(trx, [conversationId], now);
    const current = await findMembership(trx, conversationId, userId);
    if (current?.role !== 'owner') throw new AppError('forbidden', 'Only the owner changes roles');
    const target = await findMemberRow(trx, conversationId, memberId);
    if (!target || target.left_at !== null) throw new AppError('not_found', 'Member not found');
    if (target.role === 'owner') throw new AppError('forbidden', "The owner's role cannot be changed");
    if (target.role === role) return false;
    await setMemberRole(trx, conversationId, memberId, role);
    return true;
  });
  if (changed) announce(deps, conversationId, await activeMemberIds(deps.db, conversationId));
}

/**
 * The caller's own settings of a conversation: muted (no unread in totals, no notifications) and
 * archived (out of the default list until something new is posted: `archived_at_seq` is the seq at
 * archiving). Only the caller's other tabs hear of it.
 */
export async function updateSettings(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
  settings: { muted?: boolean | undefined; archived?: boolean | undefined },
): Promise<Conversation> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  await setMemberSettings(deps.db, conversationId, userId, {
    ...(settings.muted === undefined ? {} : { muted: settings.muted ? 1 : 0 }),
    ...(settings.archived === undefined
      ? {}
      : { archived_at_seq: settings.archived ? Number(membership.last_seq) : null }),
  });
  announce(deps, conversationId, [userId]);
  return getConversation(deps, userId, conversationId);
}
