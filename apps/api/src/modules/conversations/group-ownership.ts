import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;

/** Ids per statement: well under SQLite's and MySQL's limits on bound variables. */
const CHUNK = 500;

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += CHUNK) yield items.slice(start, start + CHUNK);
}

/**
 * Locks the conversations' rows (and marks the change) before membership is read, so two membership
 * changes of one group happen one after the other: an heir chosen by one cannot be leaving in the other.
 */
export async function lockConversations(trx: Transaction<DB>, ids: readonly string[], now: string) {
  for (const chunk of chunks([...ids].sort())) {
    await trx.updateTable('conversations').set({ updated_at: now }).where('id', 'in', chunk).execute();
  }
}

/**
 * The one succession rule: a group with active members always has an owner. When it has none (its owner
 * left or deleted their account), the longest-standing admin becomes owner, else the longest-standing
 * member (ties by user id). A group nobody is in any more keeps no owner. Returns the new owner, if any.
 */
export async function ensureGroupOwner(trx: Executor, conversationId: string): Promise<string | undefined> {
  const members = await trx
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
  if (!members || members.role === 'owner') return undefined;
  await trx
    .updateTable('conversation_members')
    .set({ role: 'owner' })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', members.user_id)
    .execute();
  return members.user_id;
}

/**
 * Ends every group membership of a user whose account is being deleted, in the caller's transaction:
 * a deleted account is no longer a member of any group, and each group it owned gets its successor by
 * `ensureGroupOwner`. Direct conversations keep both members (and become read-only). Returns the ids
 * of the groups that changed.
 */
export async function endGroupMemberships(
  trx: Transaction<DB>,
  userId: string,
  now: string,
): Promise<string[]> {
  const groups = await trx
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.conversation_id', 'm.role'])
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.type', '=', 'group')
    .execute();
  const ids = groups.map((g) => g.conversation_id);
  await lockConversations(trx, ids, now);
  for (const chunk of chunks(ids)) {
    await trx
      .updateTable('conversation_members')
      .set({ left_at: now })
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .where('conversation_id', 'in', chunk)
      .execute();
  }
  for (const group of groups) {
    if (group.role === 'owner') await ensureGroupOwner(trx, group.conversation_id);
  }
  return ids;
}

/** Direct conversations of a user, for telling their peers that the conversation became read-only. */
export async function directConversationIds(db: Executor, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.conversation_id')
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.type', '=', 'direct')
    .where('c.deleted_at', 'is', null)
    .execute();
  return rows.map((row) => row.conversation_id);
}

/** Active members of many conversations, chunked, as conversation id → user ids. */
export async function activeMembersOf(
  db: Executor,
  conversationIds: readonly string[],
): Promise<Map<string, string[]>> {
  const members = new Map<string, string[]>();
  for (const chunk of chunks(conversationIds)) {
    const rows = await db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'user_id'])
      .where('conversation_id', 'in', chunk)
      .where('left_at', 'is', null)
      .execute();
    for (const row of rows)
      members.set(row.conversation_id, [...(members.get(row.conversation_id) ?? []), row.user_id]);
  }
  return members;
}
