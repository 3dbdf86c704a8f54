import type {
  Conversation,
  ConversationList,
  CreateConversationBody,
  LimitReachedDetails,
  PublicUser,
} from '@parley/contract';
import type { Kysely } from 'kysely';
import { IN_CHUNK, yieldToEventLoop } from '../../db/chunks.js';
import type { DB, Executor } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { AppError, validationError, validationErrors } from '../../errors.js';
import { newId } from '../../ids.js';
import { channels, type EventBus } from '../../platform/bus/event-bus.js';
import { loadMessage } from '../messages/message.loader.js';
import { insertSystemEvent, type MessageRow } from '../messages/message.repository.js';
import { verifiedUserIds } from '../users/user.repository.js';
import { loadConversations } from './conversation.loader.js';
import {
  conversationCounts,
  findDirectConversationId,
  findMembership,
  insertConversation,
  listUserConversations,
  lockConversations,
  type Membership,
} from './conversation.repository.js';
import { ensureGroupOwner } from './group-ownership.js';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';
import {
  activeMembersOf,
  conversationIdsEverJoined,
  countMembers,
  findMemberRow,
  insertMembers,
  isPeerDeleted,
  leaveConversations,
  listMembers,
  rejoinMember,
} from './member.repository.js';

export interface ConversationLimits {
  /** Live conversations one user can be an active member of (MAX_CONVERSATIONS_PER_USER). */
  readonly maxConversationsPerUser: number;
  /** Active members of one group, owner included (MAX_GROUP_MEMBERS). */
  readonly maxGroupMembers: number;
}

export interface ConversationDeps {
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly now: () => Date;
  readonly limits: ConversationLimits;
}

/** For anyone who is not an active member, a conversation does not exist. */
export const conversationNotFound = () => new AppError('not_found', 'Conversation not found');

export async function requireMembership(
  db: Kysely<DB>,
  conversationId: string,
  userId: string,
): Promise<Membership> {
  const membership = await findMembership(db, conversationId, userId);
  if (!membership) throw conversationNotFound();
  return membership;
}

/** Nobody writes in a direct conversation whose other person deleted their account. */
export const readOnlyConversation = () =>
  new AppError('forbidden', 'This conversation is read-only: the other person deleted their account');

/**
 * Active membership of a conversation the caller may write to (send, edit, type, upload): 404 for
 * non-members, 403 `forbidden` when it is read-only. `writeMessageBatch` checks the same inside its
 * transaction.
 */
export async function requireWritableMembership(
  db: Kysely<DB>,
  conversationId: string,
  userId: string,
): Promise<Membership> {
  const membership = await requireMembership(db, conversationId, userId);
  if (membership.type === 'direct' && (await isPeerDeleted(db, conversationId, userId))) {
    throw readOnlyConversation();
  }
  return membership;
}

function limitReached(details: LimitReachedDetails): AppError {
  const message =
    details.limit === 'group_members'
      ? `A group can have at most ${details.max} members`
      : `A user can be in at most ${details.max} conversations`;
  return new AppError('limit_reached', message, details);
}

/** Refuses when any of these users is already in as many conversations as one user may be. */
async function assertRoomForConversation(
  db: Executor,
  limits: ConversationLimits,
  userIds: readonly string[],
): Promise<void> {
  const counts = await conversationCounts(db, userIds);
  const full = userIds.filter((id) => (counts.get(id) ?? 0) >= limits.maxConversationsPerUser);
  if (full.length > 0) {
    throw limitReached({
      limit: 'conversations_per_user',
      max: limits.maxConversationsPerUser,
      userIds: full,
    });
  }
}

async function assertUsersExist(db: Kysely<DB>, ids: readonly string[]): Promise<void> {
  const known = await verifiedUserIds(db, ids);
  const details = ids.flatMap((id, index) =>
    known.has(id) ? [] : [{ path: `body.memberIds.${index}`, message: 'unknown user' }],
  );
  if (details.length > 0) throw validationErrors(details);
}

/** Tells each member's sockets that a conversation (its members, title) changed or appeared. */
export function announce(
  deps: Pick<ConversationDeps, 'bus'>,
  conversationId: string,
  userIds: readonly string[],
): void {
  for (const userId of userIds)
    deps.bus.publish(channels.user(userId), { kind: 'conversation_changed', userId, conversationId });
}

/**
 * Tells every active member of these conversations that they changed, e.g. after an account deletion
 * ended group memberships (new owner) or made direct conversations read-only.
 */
export async function announceConversations(
  deps: Pick<ConversationDeps, 'db' | 'bus'>,
  conversationIds: readonly string[],
): Promise<void> {
  for (const [conversationId, userIds] of await activeMembersOf(deps.db, conversationIds))
    announce(deps, conversationId, userIds);
}

/**
 * Tells the user's other tabs, and everyone who sees their name (members of every conversation they are
 * or were in), that their public profile changed: one `user_changed` on the user's channel and one per
 * conversation, a slice of 500 conversations at a time with a turn of the event loop between slices.
 * `at` (ISO) is the change's time: a socket hearing of one change from several conversations passes it
 * on once, and never an older one after a newer one.
 */
export async function announceProfile(
  deps: Pick<ConversationDeps, 'db' | 'bus'>,
  user: PublicUser,
  at: string,
): Promise<void> {
  deps.bus.publish(channels.user(user.id), { kind: 'user_changed', userId: user.id, user, at });
  let afterId = '';
  for (;;) {
    const ids = await conversationIdsEverJoined(deps.db, user.id, { afterId, limit: IN_CHUNK });
    for (const conversationId of ids) {
      deps.bus.publish(channels.conversation(conversationId), {
        kind: 'user_changed',
        conversationId,
        user,
        at,
      });
    }
    const last = ids.at(-1);
    if (last === undefined || ids.length < IN_CHUNK) return;
    afterId = last;
    await yieldToEventLoop();
  }
}

export async function activeMemberIds(db: Kysely<DB>, conversationId: string): Promise<string[]> {
  return (await listMembers(db, [conversationId])).map((m) => m.user_id);
}

export async function getConversation(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
): Promise<Conversation> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  const [conversation] = await loadConversations(deps.db, userId, [membership]);
  if (!conversation) throw conversationNotFound();
  return conversation;
}

/**
 * One page of the caller's conversations, newest activity first, and the cursor of the next page: the
 * ones they archived (`archived`), or by default the others.
 */
export async function listConversations(
  deps: ConversationDeps,
  userId: string,
  page: { cursor?: string | undefined; limit: number; archived?: boolean | undefined },
): Promise<ConversationList> {
  const after = page.cursor === undefined ? undefined : decodeListCursor(page.cursor);
  // One row more than asked says whether another page follows, without a count.
  const rows = await listUserConversations(deps.db, userId, {
    after,
    limit: page.limit + 1,
    archived: page.archived ?? false,
  });
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows.at(-1);
  return {
    conversations: await loadConversations(deps.db, userId, pageRows),
    nextCursor:
      rows.length > page.limit && last ? encodeListCursor({ updatedAt: last.updated_at, id: last.id }) : null,
  };
}

/** Direct: one per pair (a repeat returns the existing one, created=false). Group: the creator owns it. */
export async function createConversation(
  deps: ConversationDeps,
  userId: string,
  body: CreateConversationBody,
): Promise<{ conversation: Conversation; created: boolean }> {
  const others = [...new Set(body.memberIds.filter((id) => id !== userId))];
  if (body.type === 'direct' && others.length !== 1) {
    throw validationError('body.memberIds', 'a direct conversation needs one other user');
  }
  if (body.type === 'group' && others.length + 1 > deps.limits.maxGroupMembers) {
    throw limitReached({ limit: 'group_members', max: deps.limits.maxGroupMembers });
  }
  await assertUsersExist(deps.db, others);
  const now = toDbTime(deps.now());
  const directKey = body.type === 'direct' ? [userId, others[0] ?? ''].sort().join(':') : null;
  if (directKey) {
    const existing = await findDirectConversationId(deps.db, directKey);
    if (existing) return { conversation: await getConversation(deps, userId, existing), created: false };
  }
  const id = newId();
  try {
    await deps.db.transaction().execute(async (trx) => {
      await assertRoomForConversation(trx, deps.limits, [userId, ...others]);
      await insertConversation(trx, {
        id,
        type: body.type,
        title: body.type === 'group' ? body.title : null,
        directKey,
        createdBy: userId,
        now,
      });
      await insertMembers(
        trx,
        id,
        [
          { userId, role: body.type === 'group' ? 'owner' : 'member' },
          ...others.map((other) => ({ userId: other, role: 'member' as const })),
        ],
        now,
      );
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    // Two people opening the same direct conversation at once: the unique key lets one through.
    const existing = directKey ? await findDirectConversationId(deps.db, directKey) : undefined;
    if (!existing) throw error;
    return { conversation: await getConversation(deps, userId, existing), created: false };
  }
  // The creator too: their open sockets must start following the new conversation.
  announce(deps, id, [userId, ...others]);
  return { conversation: await getConversation(deps, userId, id), created: true };
}

export function assertGroupManager(membership: Membership, what = 'manage members'): void {
  if (membership.type !== 'group') throw new AppError('forbidden', 'Direct conversations have fixed members');
  if (membership.role !== 'owner' && membership.role !== 'admin') {
    throw new AppError('forbidden', `Only the owner and admins ${what}`);
  }
}

/** Tells the members of a conversation about a timeline line stored with a change (after the commit). */
export async function publishSystemEvent(
  deps: Pick<ConversationDeps, 'db' | 'bus'>,
  row: MessageRow,
): Promise<void> {
  const message = await loadMessage(deps.db, row);
  deps.bus.publish(channels.conversation(row.conversation_id), {
    kind: 'message',
    conversationId: row.conversation_id,
    message,
  });
}

/**
 * Owner/admins add a verified user to a group; adding a current member changes nothing. The "added"
 * timeline line is stored in the same transaction.
 */
export async function addMember(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
  newMemberId: string,
): Promise<void> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  assertGroupManager(membership);
  if (!(await verifiedUserIds(deps.db, [newMemberId])).has(newMemberId)) {
    throw new AppError('not_found', 'User not found');
  }
  const now = toDbTime(deps.now());
  const existing = await findMemberRow(deps.db, conversationId, newMemberId);
  if (existing && existing.left_at === null) return;
  const event = await deps.db.transaction().execute(async (trx) => {
    // Touching the conversation first locks its row (MySQL) or takes the write lock (SQLite), so two adds
    // to one group cannot both see room for one more member.
    await lockConversations(trx, [conversationId], now);
    if ((await countMembers(trx, conversationId)) >= deps.limits.maxGroupMembers) {
      throw limitReached({ limit: 'group_members', max: deps.limits.maxGroupMembers });
    }
    await assertRoomForConversation(trx, deps.limits, [newMemberId]);
    if (existing) await rejoinMember(trx, conversationId, newMemberId, now);
    else await insertMembers(trx, conversationId, [{ userId: newMemberId, role: 'member' }], now);
    return insertSystemEvent(
      trx,
      { conversationId, event: 'added', actorId: userId, targetId: newMemberId },
      now,
    );
  });
  // First the conversation (the new member's sockets start following it), then the timeline line.
  announce(deps, conversationId, await activeMemberIds(deps.db, conversationId));
  await publishSystemEvent(deps, event);
}

/**
 * Owner/admins remove members (admins cannot remove the owner); anyone may remove themselves (leave).
 * The row stays with left_at set. When the owner leaves, `ensureGroupOwner` names the successor.
 */
export async function removeMember(
  deps: ConversationDeps,
  userId: string,
  conversationId: string,
  memberId: string,
): Promise<void> {
  const membership = await requireMembership(deps.db, conversationId, userId);
  if (memberId !== userId) {
    assertGroupManager(membership);
    const target = await findMemberRow(deps.db, conversationId, memberId);
    if (!target || target.left_at !== null) throw new AppError('not_found', 'Member not found');
    if (target.role === 'owner') throw new AppError('forbidden', 'The owner cannot be removed');
  } else if (membership.type !== 'group') {
    throw new AppError('forbidden', 'Direct conversations have fixed members');
  }
  const now = toDbTime(deps.now());
  const before = await activeMemberIds(deps.db, conversationId);
  const event = await deps.db.transaction().execute(async (trx) => {
    await lockConversations(trx, [conversationId], now);
    await leaveConversations(trx, memberId, [conversationId], now);
    await ensureGroupOwner(trx, conversationId);
    return insertSystemEvent(
      trx,
      memberId === userId
        ? { conversationId, event: 'left', actorId: userId }
        : { conversationId, event: 'removed', actorId: userId, targetId: memberId },
      now,
    );
  });
  deps.bus.publish(channels.user(memberId), {
    kind: 'conversation_removed',
    userId: memberId,
    conversationId,
  });
  announce(
    deps,
    conversationId,
    before.filter((id) => id !== memberId),
  );
  await publishSystemEvent(deps, event);
}
