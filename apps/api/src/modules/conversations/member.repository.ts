import type { Selectable } from 'kysely';
import { runInChunks, selectInChunks } from '../../db/chunks.js';
import type { ConversationMembersTable, DbTime, Executor, MemberRole } from '../../db/schema.js';

export type MemberRow = Selectable<ConversationMembersTable>;

/** The membership row of a user in a conversation, active or not (`left_at` says). */
export function findMemberRow(
  db: Executor,
  conversationId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  return db
    .selectFrom('conversation_members')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Whether another member of the conversation deleted their account (what makes a direct one read-only). */
export async function isPeerDeleted(db: Executor, conversationId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('conversation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.conversation_id', '=', conversationId)
    .where('m.user_id', '!=', userId)
    .where('m.left_at', 'is', null)
    .where('u.deleted_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** An active member with what others may see of them (a deleted account shows as "Deleted user"). */
export type MemberProfile = Awaited<ReturnType<typeof listMembers>>[number];

/** Active members with their public profile, in joining order (ties by user id). */
export async function listMembers(db: Executor, conversationIds: readonly string[]) {
  const rows = await selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('conversation_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.conversation_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.display_name', 'u.deleted_at'])
      .where('m.conversation_id', 'in', slice)
      .where('m.left_at', 'is', null)
      .execute(),
  );
  return rows.sort((a, b) =>
    a.joined_at === b.joined_at ? compare(a.user_id, b.user_id) : compare(a.joined_at, b.joined_at),
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Ids of the live conversations the user is or was a member of (left or removed too), in id order, after
 * `afterId`: a change to their profile reaches everyone who sees their name, a slice at a time.
 */
export async function conversationIdsEverJoined(
  db: Executor,
  userId: string,
  page: { afterId: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.conversation_id')
    .where('m.user_id', '=', userId)
    .where('c.deleted_at', 'is', null)
    .where('m.conversation_id', '>', page.afterId)
    .orderBy('m.conversation_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => row.conversation_id);
}

/** A member who left or was removed, with what others may see of them. */
export type FormerMemberProfile = Awaited<ReturnType<typeof listFormerMembers>>[number];

/**
 * Members who left or were removed (`left_at` set), with their public profile, in leaving order (ties by
 * user id): their messages stay, and keep a name.
 */
export async function listFormerMembers(db: Executor, conversationIds: readonly string[]) {
  const rows = await selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('conversation_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.conversation_id', 'm.user_id', 'm.left_at', 'u.display_name', 'u.deleted_at'])
      .where('m.conversation_id', 'in', slice)
      .where('m.left_at', 'is not', null)
      .execute(),
  );
  return rows.sort((a, b) =>
    a.left_at === b.left_at ? compare(a.user_id, b.user_id) : compare(a.left_at ?? '', b.left_at ?? ''),
  );
}

/** Active members of many conversations, as conversation id → user ids. */
export async function activeMembersOf(
  db: Executor,
  conversationIds: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = await selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'user_id'])
      .where('conversation_id', 'in', slice)
      .where('left_at', 'is', null)
      .execute(),
  );
  const members = new Map<string, string[]>();
  for (const row of rows)
    members.set(row.conversation_id, [...(members.get(row.conversation_id) ?? []), row.user_id]);
  return members;
}

/** Active members of one conversation. */
export async function countMembers(db: Executor, conversationId: string): Promise<number> {
  const row = await db
    .selectFrom('conversation_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('left_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The active member first in line to own a group: its owner, else the longest-standing admin, else the
 * longest-standing member (ties by user id). Undefined when nobody is in it.
 */
export function firstInLine(
  db: Executor,
  conversationId: string,
): Promise<Pick<MemberRow, 'user_id' | 'role'> | undefined> {
  return db
    .selectFrom('conversation_members')
    .select(['user_id', 'role'])
    .where('conversation_id', '=', conversationId)
    .where('left_at', 'is', null)
    .orderBy((eb) =>
      eb.case().when('role', '=', 'owner').then(0).when('role', '=', 'admin').then(1).else(2).end(),
    )
    .orderBy('joined_at')
    .orderBy('user_id')
    .limit(1)
    .executeTakeFirst();
}

export async function insertMembers(
  db: Executor,
  conversationId: string,
  members: readonly { userId: string; role: MemberRole }[],
  now: DbTime,
): Promise<void> {
  await db
    .insertInto('conversation_members')
    .values(
      members.map((member) => ({
        conversation_id: conversationId,
        user_id: member.userId,
        role: member.role,
        joined_at: now,
        left_at: null,
        last_read_seq: 0,
      })),
    )
    .execute();
}

/** A former member joins again, as a plain member, from now. */
export async function rejoinMember(
  db: Executor,
  conversationId: string,
  userId: string,
  now: DbTime,
): Promise<void> {
  await db
    .updateTable('conversation_members')
    .set({ left_at: null, joined_at: now, role: 'member' })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .execute();
}

/** Ends the user's active membership of these conversations (the rows stay, with `left_at`). */
export async function leaveConversations(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
  now: DbTime,
): Promise<void> {
  await runInChunks(conversationIds, (slice) =>
    db
      .updateTable('conversation_members')
      .set({ left_at: now })
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .where('conversation_id', 'in', slice)
      .execute(),
  );
}

export async function setMemberRole(
  db: Executor,
  conversationId: string,
  userId: string,
  role: MemberRole,
): Promise<void> {
  await db
    .updateTable('conversation_members')
    .set({ role })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .execute();
}

/** Moves the user's read marker forward to `seq` (never back); whether it moved. */
export async function advanceReadMarker(
  db: Executor,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<boolean> {
  const result = await db
    .updateTable('conversation_members')
    .set({ last_read_seq: seq })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('last_read_seq', '<', seq)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** One member's own settings of a conversation (mute, archive); an empty patch changes nothing. */
export async function setMemberSettings(
  db: Executor,
  conversationId: string,
  userId: string,
  patch: { muted?: number; archived_at_seq?: number | null },
): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db
    .updateTable('conversation_members')
    .set(patch)
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .execute();
}
