import type { Insertable } from 'kysely';
import { selectInChunks } from '../../db/chunks.js';
import type { Executor, MessageMentionsTable } from '../../db/schema.js';

/** A (conversation, user) pair, written `conversationId|userId`. */
export type MemberKey = `${string}|${string}`;

export const memberKey = (conversationId: string, userId: string): MemberKey => `${conversationId}|${userId}`;

/**
 * Which of these (conversation, user) pairs are active memberships: what a mention may name. One
 * statement per slice of pairs, whatever the number of messages in a batch.
 */
export async function activeMemberPairs(db: Executor, pairs: readonly MemberKey[]): Promise<Set<MemberKey>> {
  const rows = await selectInChunks(pairs, (slice) =>
    db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'user_id'])
      .where((eb) =>
        eb.or(
          slice.map((pair) => {
            const [conversationId = '', userId = ''] = pair.split('|');
            return eb.and([eb('conversation_id', '=', conversationId), eb('user_id', '=', userId)]);
          }),
        ),
      )
      .where('left_at', 'is', null)
      .execute(),
  );
  return new Set(rows.map((row) => memberKey(row.conversation_id, row.user_id)));
}

/**
 * Stores the mentions of new messages, in the caller's transaction (the message batch's): mentions are
 * fixed at send, so this is their only writer. Multi-row inserts of 200 rows.
 */
export async function insertMentions(
  db: Executor,
  rows: readonly Insertable<MessageMentionsTable>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 200) {
    await db
      .insertInto('message_mentions')
      .values(rows.slice(start, start + 200))
      .execute();
  }
}

/** Who each of these messages mentions, by message id, each list sorted by user id (as sent). */
export async function mentionsByMessage(
  db: Executor,
  messageIds: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = await selectInChunks(messageIds, (slice) =>
    db
      .selectFrom('message_mentions')
      .select(['message_id', 'user_id'])
      .where('message_id', 'in', slice)
      .orderBy('message_id')
      .orderBy('user_id')
      .execute(),
  );
  const byMessage = new Map<string, string[]>();
  for (const row of rows) {
    const list = byMessage.get(row.message_id);
    if (list) list.push(row.user_id);
    else byMessage.set(row.message_id, [row.user_id]);
  }
  return byMessage;
}

/**
 * Unread mentions of the user per conversation: messages after the user's read marker that mention them,
 * not deleted and not their own. Read through the (user, conversation, seq) index.
 */
export async function mentionCounts(
  db: Executor,
  userId: string,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await selectInChunks(conversationIds, (slice) =>
    db
      .selectFrom('message_mentions as mm')
      .innerJoin('conversation_members as m', (join) =>
        join.onRef('m.conversation_id', '=', 'mm.conversation_id').on('m.user_id', '=', userId),
      )
      .innerJoin('messages as msg', 'msg.id', 'mm.message_id')
      .select(['mm.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mm.user_id', '=', userId)
      .where('mm.conversation_id', 'in', slice)
      .whereRef('mm.seq', '>', 'm.last_read_seq')
      .where('msg.sender_id', '!=', userId)
      .where('msg.deleted_at', 'is', null)
      .groupBy('mm.conversation_id')
      .execute(),
  );
  return new Map(rows.map((row) => [row.conversation_id, Number(row.n)]));
}
