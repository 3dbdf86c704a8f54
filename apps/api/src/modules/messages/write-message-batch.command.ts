import { sql, type Transaction } from 'kysely';
import { IN_CHUNK, runInChunks, selectInChunks } from '../../db/chunks.js';
import { dialectOf } from '../../db/migrations/dialect.js';
import type { DB } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';
import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { AppError, validationError } from '../../errors.js';
import { newId } from '../../ids.js';
import { readOnlyConversation } from '../conversations/conversation.service.js';
import { activeMemberPairs, insertMentions, type MemberKey, memberKey } from './mention.repository.js';
import {
  type AttachmentRow,
  attachmentsByMessage,
  findMessages,
  type MessageRow,
} from './message.repository.js';

export interface SendRequest {
  conversationId: string;
  senderId: string;
  clientId: string;
  body: string;
  attachmentIds: readonly string[];
  /** The message this one replies to: it must be in the same conversation (deleted or not). */
  replyToId?: string | null | undefined;
  /** Members the message mentions, each once (sorted); each must be an active member of the conversation. */
  mentionIds?: readonly string[] | undefined;
}

export interface SendResult {
  row: MessageRow;
  attachments: AttachmentRow[];
  /** The original of a new reply, as read in the batch's transaction. */
  replyTo?: MessageRow | undefined;
  /** False when the clientId had been stored before: the retry gets the stored message back. */
  created: boolean;
}

/**
 * Requests one call should take: every list a batch builds (conversations, senders, clientIds) then fits
 * one IN chunk, so each step below is one statement.
 */
export const MAX_MESSAGE_BATCH = IN_CHUNK;

const notMember = () => new AppError('not_found', 'Conversation not found');
const clientIdReused = () =>
  new AppError('conflict', 'This clientId was already used for another conversation');

/**
 * Whether a failed batch transaction conflicted with another writer (another instance's batch, a lock
 * wait, the same clientId stored concurrently) and may be run again: alone, it either succeeds or
 * finds the stored message.
 */
export function isWriteConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    isUniqueViolation(error) ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === 'SQLITE_BUSY'
  );
}

/**
 * Stores a batch of sends in the caller's transaction: retries of a (sender, clientId) get the stored
 * message back; membership and read-only state are checked here, inside the transaction, so a removal
 * that committed first is respected; each conversation's seq and rev come from its counter row, bumped
 * once for the batch, so they stay gapless and ordered whatever the commit order; attachments are taken
 * by their message. Returns a result or an error per request, in order; throws only when the transaction
 * itself fails (see `isWriteConflict`).
 */
export async function writeMessageBatch(
  trx: Transaction<DB>,
  requests: readonly SendRequest[],
  now: Date,
): Promise<(SendResult | Error)[]> {
  const mysql = dialectOf(trx) === 'mysql';
  const results: (SendResult | Error | undefined)[] = new Array(requests.length);
  const nowText = toDbTime(now);

  // Retries: the same (sender, clientId) stored before, or twice in this batch.
  const existing = await selectInChunks(requests, (slice) =>
    trx
      .selectFrom('messages')
      .selectAll()
      .where((eb) =>
        eb.or(slice.map((r) => eb.and([eb('sender_id', '=', r.senderId), eb('client_id', '=', r.clientId)]))),
      )
      .execute(),
  );
  const existingByKey = new Map(existing.map((row) => [`${row.sender_id}|${row.client_id}`, row]));
  const firstInBatch = new Map<string, number>();
  /** Index of a request that repeats an earlier one in this batch → index of that earlier one. */
  const duplicateOf = new Map<number, number>();

  // Membership, checked inside the transaction so a removal that committed first is respected.
  const pairs = [...new Set(requests.map((r) => `${r.conversationId}|${r.senderId}`))];
  // A direct conversation whose other person deleted their account is read-only: flagged in the same query.
  const members = await selectInChunks(pairs, (slice) =>
    trx
      .selectFrom('conversation_members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['m.conversation_id', 'm.user_id'])
      // Only direct conversations are looked at (CASE evaluates the branch it takes), so a send to a
      // large group does not scan its members.
      .select((eb) =>
        eb
          .case()
          .when('c.type', '=', 'direct')
          .then(
            eb.exists(
              eb
                .selectFrom('conversation_members as p')
                .innerJoin('users as u', 'u.id', 'p.user_id')
                .select('p.user_id')
                .whereRef('p.conversation_id', '=', 'm.conversation_id')
                .whereRef('p.user_id', '!=', 'm.user_id')
                .where('p.left_at', 'is', null)
                .where('u.deleted_at', 'is not', null),
            ),
          )
          .else(eb.lit(false))
          .end()
          .as('peer_deleted'),
      )
      .where((eb) =>
        eb.or(
          slice.map((pair) => {
            const [conversationId = '', userId = ''] = pair.split('|');
            return eb.and([eb('m.conversation_id', '=', conversationId), eb('m.user_id', '=', userId)]);
          }),
        ),
      )
      .where('m.left_at', 'is', null)
      .where('c.deleted_at', 'is', null)
      .execute(),
  );
  const memberSet = new Set(members.map((m) => `${m.conversation_id}|${m.user_id}`));
  const readOnly = new Set(
    members.filter((m) => Boolean(Number(m.peer_deleted))).map((m) => `${m.conversation_id}|${m.user_id}`),
  );

  const attachmentIds = [...new Set(requests.flatMap((r) => r.attachmentIds))];
  const attachmentRows = await selectInChunks(attachmentIds, (slice) =>
    selectLive(trx, 'attachments')
      .selectAll()
      .where('id', 'in', slice)
      // Locked until commit: the orphan sweeper's conditional UPDATE cannot soft-delete an attachment
      // between this check and the message taking it (SQLite runs one transaction at a time anyway).
      .$if(mysql, (query) => query.forUpdate())
      .execute(),
  );
  const attachmentById = new Map(attachmentRows.map((a) => [a.id, a]));
  const claimed = new Set<string>();

  // Originals of replies: any message of the same conversation, deleted ones too (a reply to a deleted
  // message shows it as deleted). One answer for "no such message" and "another conversation's".
  const replyIds = requests.flatMap((r) => (r.replyToId ? [r.replyToId] : []));
  const originals = new Map((await findMessages(trx, replyIds)).map((row) => [row.id, row]));

  // Mentioned people: active members of the message's conversation, read in this transaction.
  const mentionable = await activeMemberPairs(
    trx,
    requests.flatMap((r) => (r.mentionIds ?? []).map((id): MemberKey => memberKey(r.conversationId, id))),
  );

  const toInsert: { index: number; request: SendRequest }[] = [];
  requests.forEach((request, index) => {
    const key = `${request.senderId}|${request.clientId}`;
    const stored = existingByKey.get(key);
    if (stored) {
      results[index] =
        stored.conversation_id === request.conversationId
          ? { row: stored, attachments: [], created: false }
          : clientIdReused();
      return;
    }
    const first = firstInBatch.get(key);
    if (first !== undefined) {
      duplicateOf.set(index, first);
      return;
    }
    if (!memberSet.has(`${request.conversationId}|${request.senderId}`)) {
      results[index] = notMember();
      return;
    }
    if (readOnly.has(`${request.conversationId}|${request.senderId}`)) {
      results[index] = readOnlyConversation();
      return;
    }
    for (const id of request.attachmentIds) {
      const attachment = attachmentById.get(id);
      if (
        !attachment ||
        attachment.uploader_id !== request.senderId ||
        attachment.conversation_id !== request.conversationId ||
        attachment.message_id !== null ||
        claimed.has(id)
      ) {
        results[index] = validationError('body.attachmentIds', `attachment ${id} cannot be used`);
        return;
      }
    }
    if (request.replyToId && originals.get(request.replyToId)?.conversation_id !== request.conversationId) {
      results[index] = validationError('body.replyToId', 'must be a message of this conversation');
      return;
    }
    // A timeline event ("added", "renamed"…) is not something one answers.
    if (request.replyToId && originals.get(request.replyToId)?.kind === 'system') {
      results[index] = validationError('body.replyToId', 'cannot reply to a timeline event');
      return;
    }
    if (request.mentionIds?.some((id) => !mentionable.has(memberKey(request.conversationId, id)))) {
      results[index] = validationError('body.mentionIds', 'must be members of this conversation');
      return;
    }
    for (const id of request.attachmentIds) claimed.add(id);
    firstInBatch.set(key, index);
    toInsert.push({ index, request });
  });

  // Hand out seq and rev per conversation, locking each counter row; sorted to avoid deadlocks.
  const byConversation = new Map<string, { index: number; request: SendRequest }[]>();
  for (const item of toInsert)
    byConversation.set(item.request.conversationId, [
      ...(byConversation.get(item.request.conversationId) ?? []),
      item,
    ]);
  const rows: MessageRow[] = [];
  const conversationIds = [...byConversation.keys()].sort();
  // One UPDATE for every conversation of the batch, then one read of the new counters: two round trips,
  // not two per conversation. On MySQL the primary key is forced: on a small table the optimizer would
  // rather scan it, and an UPDATE locks every row it scans, so every batch would wait for every other.
  // (A batch of at most MAX_MESSAGE_BATCH = IN_CHUNK sends makes this one statement.)
  await runInChunks(conversationIds, (slice) => {
    const increment = sql`case ${sql.ref('id')} ${sql.join(
      slice.map((id) => sql`when ${id} then ${(byConversation.get(id) ?? []).length}`),
      sql` `,
    )} else 0 end`;
    return sql`update ${sql.table('conversations')}${mysql ? sql` force index (primary)` : sql``}
      set ${sql.ref('last_seq')} = ${sql.ref('last_seq')} + ${increment},
        ${sql.ref('last_rev')} = ${sql.ref('last_rev')} + ${increment},
        ${sql.ref('last_message_at')} = ${nowText}, ${sql.ref('updated_at')} = ${nowText}
      where ${sql.ref('id')} in (${sql.join(slice)})`.execute(trx);
  });
  const counterRows = await selectInChunks(conversationIds, (slice) =>
    trx.selectFrom('conversations').select(['id', 'last_seq', 'last_rev']).where('id', 'in', slice).execute(),
  );
  const countersById = new Map(counterRows.map((row) => [row.id, row]));
  for (const conversationId of conversationIds) {
    const items = byConversation.get(conversationId) ?? [];
    const counters = countersById.get(conversationId);
    if (!counters) throw new Error(`conversation ${conversationId} has no counter row`);
    const firstSeq = Number(counters.last_seq) - items.length + 1;
    const firstRev = Number(counters.last_rev) - items.length + 1;
    items.forEach((item, offset) => {
      const row: MessageRow = {
        id: newId(),
        conversation_id: conversationId,
        seq: firstSeq + offset,
        rev: firstRev + offset,
        sender_id: item.request.senderId,
        client_id: item.request.clientId,
        body: item.request.body,
        created_at: nowText,
        edited_at: null,
        deleted_at: null,
        reply_to_id: item.request.replyToId ?? null,
        kind: 'text',
        system_event: null,
        system_target_id: null,
        system_title: null,
      };
      rows.push(row);
      const replyTo = row.reply_to_id === null ? undefined : originals.get(row.reply_to_id);
      results[item.index] = { row, attachments: [], replyTo, created: true };
    });
  }
  for (let start = 0; start < rows.length; start += 200) {
    await trx
      .insertInto('messages')
      .values(rows.slice(start, start + 200))
      .execute();
  }
  await insertMentions(
    trx,
    toInsert.flatMap((item) => {
      const { row } = results[item.index] as SendResult;
      return (item.request.mentionIds ?? []).map((userId) => ({
        message_id: row.id,
        user_id: userId,
        conversation_id: row.conversation_id,
        seq: row.seq,
        created_at: nowText,
      }));
    }),
  );
  for (const item of toInsert) {
    const ids = item.request.attachmentIds;
    if (ids.length === 0) continue;
    const result = results[item.index] as SendResult;
    // Each takes its index in attachmentIds, so the message shows them in the order they were sent.
    const position = sql<number>`case ${sql.ref('id')} ${sql.join(
      ids.map((id, index) => sql`when ${id} then ${index}`),
      sql` `,
    )} end`;
    await trx
      .updateTable('attachments')
      .set({ message_id: result.row.id, position })
      .where('id', 'in', [...ids])
      .execute();
  }
  const withAttachments = toInsert
    .filter((item) => item.request.attachmentIds.length > 0)
    .map((item) => (results[item.index] as SendResult).row.id);
  const storedRetries = existing.map((row) => row.id);
  const attachments = await attachmentsByMessage(trx, [...withAttachments, ...storedRetries]);

  const finish = (result: SendResult | Error | undefined, index: number): SendResult | Error => {
    if (!result) return new Error(`send ${index} produced no result`);
    if (result instanceof Error) return result;
    return { ...result, attachments: attachments.get(result.row.id) ?? [] };
  };
  return results.map((result, index) => {
    const first = duplicateOf.get(index);
    if (first === undefined) return finish(result, index);
    const original = finish(results[first], first);
    return original instanceof Error ? original : { ...original, created: false };
  });
}
