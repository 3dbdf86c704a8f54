import type { Executor } from '../../db/schema.js';

/** Whether others may see this user's presence: a live user who has not hidden it. */
export async function isPresenceVisible(db: Executor, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('presence_visible')
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined && Number(row.presence_visible) === 1;
}

/**
 * The people, other than `userId`, who are active members of these conversations and show their presence
 * (live, not hidden): whose statuses a client of `userId` is given. One query per call; callers pass at
 * most a chunk of conversation ids.
 */
export async function visibleMembersOf(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
): Promise<string[]> {
  if (conversationIds.length === 0) return [];
  const rows = await db
    .selectFrom('conversation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .distinct()
    .where('m.conversation_id', 'in', [...conversationIds])
    .where('m.left_at', 'is', null)
    .where('m.user_id', '!=', userId)
    .where('u.deleted_at', 'is', null)
    .where('u.presence_visible', '=', 1)
    .execute();
  return rows.map((row) => row.user_id);
}
