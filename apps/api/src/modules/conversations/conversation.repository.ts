import type { Selectable, Transaction } from 'kysely';
import { runInChunks, selectInChunks } from '../../db/chunks.js';
import type { ConversationsTable, DB, DbTime, Executor } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';

export type ConversationRow = Selectable<ConversationsTable>;

/**
 * A user's active memberships of live conversations, as `m` (member row) joined to `c` (conversation):
 * the base of every "conversations of this user" query.
 */
function membershipsOf(db: Executor, userId: string) {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.deleted_at', 'is', null);
}

/** What a user's own membership row adds to a conversation row: role, read marker, settings. */
const MEMBER_COLUMNS = ['m.role', 'm.last_read_seq', 'm.joined_at', 'm.muted', 'm.archived_at_seq'] as const;

/** The caller's active membership of a live conversation, or undefined: the one authorization question. */
export function findMembership(db: Executor, conversationId: string, userId: string) {
  return membershipsOf(db, userId)
    .selectAll('c')
    .select(MEMBER_COLUMNS)
    .where('m.conversation_id', '=', conversationId)
    .executeTakeFirst();
}
export type Membership = NonNullable<Awaited<ReturnType<typeof findMembership>>>;

/** Where a page of a user's conversations ends: the last one's activity time and id. */
export interface ActivityPosition {
  readonly updatedAt: DbTime;
  readonly id: string;
}

/**
 * One page of the conversations the user is an active member of, most recent activity first (ties by id,
 * descending), starting after `after`: the ones they archived (`archived`), or the others. Keyset
 * paging: a page costs the same wherever it starts.
 */
export function listUserConversations(
  db: Executor,
  userId: string,
  page: { after?: ActivityPosition | undefined; limit: number; archived?: boolean },
) {
  let query = membershipsOf(db, userId)
    .selectAll('c')
    .select(MEMBER_COLUMNS)
    // Archived (for this user): archived at a seq nothing has been posted after.
    .where((eb) => {
      const archived = eb.and([
        eb('m.archived_at_seq', 'is not', null),
        eb('c.last_seq', '<=', eb.ref('m.archived_at_seq')),
      ]);
      return page.archived ? archived : eb.not(archived);
    });
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
  const rows = await membershipsOf(db, userId)
    .select('m.conversation_id')
    .where('m.conversation_id', '>', page.afterId)
    .orderBy('m.conversation_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => row.conversation_id);
}

/** Direct conversations of a user, for telling their peers that the conversation became read-only. */
export async function directConversationIds(db: Executor, userId: string): Promise<string[]> {
  const rows = await membershipsOf(db, userId)
    .select('m.conversation_id')
    .where('c.type', '=', 'direct')
    .execute();
  return rows.map((row) => row.conversation_id);
}

/** The groups a user is an active member of, with their role there (deleted groups included). */
export function groupMembershipsOf(db: Executor, userId: string) {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.conversation_id', 'm.role'])
    .where('m.user_id', '=', userId)
    .where('m.left_at', 'is', null)
    .where('c.type', '=', 'group')
    .execute();
}

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

/** The direct conversation of a pair (its `direct_key`: both user ids, sorted, joined by `:`). */
export async function findDirectConversationId(db: Executor, directKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select('id')
    .where('direct_key', '=', directKey)
    .executeTakeFirst();
  return row?.id;
}

/** A new conversation with no messages yet. */
export async function insertConversation(
  db: Executor,
  conversation: {
    id: string;
    type: ConversationRow['type'];
    title: string | null;
    directKey: string | null;
    createdBy: string;
    now: DbTime;
  },
): Promise<void> {
  await db
    .insertInto('conversations')
    .values({
      id: conversation.id,
      type: conversation.type,
      title: conversation.title,
      direct_key: conversation.directKey,
      created_by: conversation.createdBy,
      last_seq: 0,
      last_rev: 0,
      last_message_at: null,
      created_at: conversation.now,
      updated_at: conversation.now,
      deleted_at: null,
    })
    .execute();
}

/**
 * Locks the conversations' rows (and marks the change) before membership is read, so two membership
 * changes of one group happen one after the other: an heir chosen by one cannot be leaving in the other,
 * and two adds cannot both see room for one more member. In id order, so two lockers cannot deadlock.
 */
export async function lockConversations(
  trx: Transaction<DB>,
  conversationIds: readonly string[],
  now: DbTime,
): Promise<void> {
  await runInChunks([...conversationIds].sort(), (slice) =>
    trx.updateTable('conversations').set({ updated_at: now }).where('id', 'in', slice).execute(),
  );
}

/**
 * Takes the conversation's next change number (rev) for an edit, a deletion or a reaction, locking its
 * counter row until the transaction ends. An edit or deletion is activity (`updated_at`, the list's
 * order); a reaction (`now` null) is not.
 */
export async function nextRev(
  trx: Transaction<DB>,
  conversationId: string,
  now: DbTime | null,
): Promise<number> {
  await trx
    .updateTable('conversations')
    .set((eb) => ({ last_rev: eb('last_rev', '+', 1), ...(now === null ? {} : { updated_at: now }) }))
    .where('id', '=', conversationId)
    .execute();
  const { last_rev } = await trx
    .selectFrom('conversations')
    .select('last_rev')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return Number(last_rev);
}

/** The message (seq) and change (rev) counters of one conversation. */
export async function findCounters(
  db: Executor,
  conversationId: string,
): Promise<{ seq: number; rev: number } | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select(['last_seq', 'last_rev'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
  return row && { seq: Number(row.last_seq), rev: Number(row.last_rev) };
}

/** Message and change counters of live conversations, one query per slice of ids. */
export function conversationCounters(db: Executor, conversationIds: readonly string[]) {
  return selectInChunks(conversationIds, (slice) =>
    selectLive(db, 'conversations').select(['id', 'last_seq', 'last_rev']).where('id', 'in', slice).execute(),
  );
}

/**
 * Exact unread counts: others' live messages after the user's read marker, per conversation. Timeline
 * lines ("added", "renamed"…) are not messages to read: they never count.
 */
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
      .where('msg.kind', '=', 'text')
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

/** A group's new title. */
export async function setConversationTitle(
  db: Executor,
  conversationId: string,
  title: string,
): Promise<void> {
  await db.updateTable('conversations').set({ title }).where('id', '=', conversationId).execute();
}
