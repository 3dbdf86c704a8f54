import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ConversationMembersTable, ConversationsTable, DB } from '../../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MemberRow = Selectable<ConversationMembersTable>;

/** The caller's active membership of a live conversation, or undefined: the one authorization question. */
export function findMembership(db: Executor, conversationId: string, userId: string) {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .selectAll('c')
    .select(['m.role', 'm.last_read_seq', 'm.joined_at'])
    .where('m.conversation_id', '=', conversationId)
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .executeTakeFirst();
}
export type Membership = NonNullable<Awaited<ReturnType<typeof findMembership>>>;

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

/** Active members with their public profile; a deleted account shows as "Deleted user". */
export async function listMembers(db: Executor, conversationIds: readonly string[]) {
  if (conversationIds.length === 0) return [];
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.conversation_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.display_name', 'u.deleted_at'])
    .where('m.conversation_id', 'in', [...conversationIds])
    .where('m.left_at', 'is', null)
    .orderBy('m.joined_at')
    .orderBy('m.user_id')
    .execute();
}

/** Conversations the user is an active member of, most recent activity first. */
export function listUserConversations(db: Executor, userId: string) {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .selectAll('c')
    .select(['m.role', 'm.last_read_seq', 'm.joined_at'])
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id')
    .execute();
}

/** Exact unread counts: others' live messages after the user's read marker, per conversation. */
export async function unreadCounts(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (conversationIds.length === 0) return counts;
  const rows = await db
    .selectFrom('messages as msg')
    .innerJoin('conversation_members as m', (join) =>
      join.onRef('m.conversation_id', '=', 'msg.conversation_id').on('m.user_id', '=', userId),
    )
    .select(['msg.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('msg.conversation_id', 'in', [...conversationIds])
    .whereRef('msg.seq', '>', 'm.last_read_seq')
    .where('msg.sender_id', '!=', userId)
    .where('msg.deleted_at', 'is', null)
    .groupBy('msg.conversation_id')
    .execute();
  for (const row of rows) counts.set(row.conversation_id, Number(row.n));
  return counts;
}

/** The newest message of each conversation (by its last_seq). */
export function lastMessages(db: Executor, conversationIds: readonly string[]) {
  if (conversationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('messages as msg')
    .innerJoin('conversations as c', (join) =>
      join.onRef('c.id', '=', 'msg.conversation_id').onRef('c.last_seq', '=', 'msg.seq'),
    )
    .selectAll('msg')
    .where('c.id', 'in', [...conversationIds])
    .execute();
}
