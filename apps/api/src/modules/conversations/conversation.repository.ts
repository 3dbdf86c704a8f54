import type { Kysely, Selectable, Transaction } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import type { ConversationMembersTable, ConversationsTable, DB, DbTime } from '../../db/schema.js';

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

/** How many live conversations each of these users is an active member of (users in none are left out). */
export async function conversationCounts(
  db: Executor,
  userIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await selectInChunks(userIds, (slice) =>
    db
      .selectFrom('conversation_members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['m.user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('m.user_id', 'in', slice)
      .where('m.left_at', 'is', null)
      .where('c.deleted_at', 'is', null)
      .groupBy('m.user_id')
      .execute(),
  );
  return new Map(rows.map((row) => [row.user_id, Number(row.n)]));
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

/** Where a page of a user's conversations ends: the last one's activity time and id. */
export interface ActivityPosition {
  readonly updatedAt: DbTime;
  readonly id: string;
}

/**
 * One page of the conversations the user is an active member of, most recent activity first (ties by id,
 * descending), starting after `after`. Keyset paging: a page costs the same wherever it starts.
 */
export function listUserConversations(
  db: Executor,
  userId: string,
  page: { after?: ActivityPosition | undefined; limit: number },
) {
  let query = db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .selectAll('c')
    .select(['m.role', 'm.last_read_seq', 'm.joined_at'])
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.deleted_at', 'is', null);
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('c.updated_at', '<', after.updatedAt),
        eb.and([eb('c.updated_at', '=', after.updatedAt), eb('c.id', '<', after.id)]),
      ]),
    );
  }
  return query.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc').limit(page.limit).execute();
}

/**
 * Ids of the user's live conversations in id order, after `afterId`: the realtime gateway walks them in
 * slices, so following thousands of conversations never needs one list of all of them.
 */
export async function userConversationIds(
  db: Executor,
  userId: string,
  page: { afterId: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.conversation_id')
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('m.conversation_id', '>', page.afterId)
    .where('c.deleted_at', 'is', null)
    .orderBy('m.conversation_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => row.conversation_id);
}

/** Message and change counters of live conversations, one query per slice of ids. */
export function conversationCounters(db: Executor, conversationIds: readonly string[]) {
  return selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('conversations')
      .select(['id', 'last_seq', 'last_rev'])
      .where('id', 'in', slice)
      .where('deleted_at', 'is', null)
      .execute(),
  );
}

/** Exact unread counts: others' live messages after the user's read marker, per conversation. */
export async function unreadCounts(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('messages as msg')
      .innerJoin('conversation_members as m', (join) =>
        join.onRef('m.conversation_id', '=', 'msg.conversation_id').on('m.user_id', '=', userId),
      )
      .select(['msg.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('msg.conversation_id', 'in', slice)
      .whereRef('msg.seq', '>', 'm.last_read_seq')
      .where('msg.sender_id', '!=', userId)
      .where('msg.deleted_at', 'is', null)
      .groupBy('msg.conversation_id')
      .execute(),
  );
  return new Map(rows.map((row) => [row.conversation_id, Number(row.n)]));
}

/** The newest message of each conversation (by its last_seq). */
export function lastMessages(db: Executor, conversationIds: readonly string[]) {
  return selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('messages as msg')
      .innerJoin('conversations as c', (join) =>
        join.onRef('c.id', '=', 'msg.conversation_id').onRef('c.last_seq', '=', 'msg.seq'),
      )
      .selectAll('msg')
      .where('c.id', 'in', slice)
      .execute(),
  );
}
