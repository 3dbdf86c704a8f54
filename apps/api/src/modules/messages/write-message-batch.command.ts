import { sql, type Transaction } from 'kysely';
import { IN_CHUNK, selectInChunks } from '../../db/chunks.js';
import { dialectOf } from '../../db/migrations/dialect.js';
import type { DB } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';
import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { AppError, validationError } from '../../errors.js';
import { newMessageId } from '../../ids.js';
import { readOnlyConversation } from '../conversations/conversation.service.js';
import { activeMemberPairs, insertMentions, type MemberKey, memberKey } from './mention.repository.js';
import {
  type AttachmentRow,
  attachmentsByMessage,
  findMessages,
  type MessageRow,
} from './message.repository.js';
import {
  BatchNeedsCheck,
  bumpCounters,
  type Counters,
  findMemberships,
  findStoredRetries,
  insertMessages,
} from './write-message-batch.statements.js';

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

export { BatchNeedsCheck, bumpCounters };

const notMember = () => new AppError('not_found', 'Conversation not found');
const clientIdReused = () =>
  new AppError('conflict', 'This clientId was already used for another conversation');

/**
 * Whether an unchecked batch must be written again checked: the guarded UPDATE refused a conversation, or
 * the INSERT hit the (sender_id, client_id) unique key — a retry of a stored message, or the same clientId
 * stored concurrently by another instance.
 */
export function needsCheckedWrite(error: unknown): boolean {
  return error instanceof BatchNeedsCheck || isUniqueViolation(error);
}

/**
 * Whether a failed batch transaction conflicted with another writer (another instance's batch, a lock
 * wait, the same clientId stored concurrently, a membership change between a checked batch's look-up and
 * its UPDATE) and may be run again: alone, it either succeeds or finds the stored message.
 */
export function isWriteConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    isUniqueViolation(error) ||
    error instanceof BatchNeedsCheck ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === 'SQLITE_BUSY'
  );
}

export interface WriteBatchOptions {
  /**
   * Look up earlier stores of each (sender, clientId) and each sender's membership before writing
   * (`true`), or skip both (`false`, the default, the fast path): the counter UPDATE then refuses a
   * conversation whose sender is not a live member (throwing BatchNeedsCheck) and the INSERT's unique key
   * catches a retry (a unique violation). Either way nothing is written and the caller writes the batch
   * again checked (`MessageWriter`). Membership is enforced by the UPDATE in both modes.
   */
  readonly checked?: boolean;
}

/**
 * Stores a batch of sends in the caller's transaction: retries of a (sender, clientId) get the stored
 * message back; membership and read-only state are enforced here, inside the transaction (by the counter
 * UPDATE's WHERE), so a removal that committed first is respected; each conversation's seq and rev come
 * from its counter row, bumped once for the batch, so they stay gapless and ordered whatever the commit
 * order; attachments are taken by their message. Returns a result or an error per request, in order;
 * throws when the transaction itself fails (see `isWriteConflict`) or, unchecked, when the batch must be
 * written again checked (see `WriteBatchOptions`, `needsCheckedWrite`).
 *
 * Unchecked (the common case, no retries, every sender a member) a batch is three statements: the
 * guarded counter UPDATE, the read of the new counters (SQLite: the UPDATE's RETURNING) and one INSERT.
 */
export async function writeMessageBatch(
  trx: Transaction<DB>,
  requests: readonly SendRequest[],
  now: Date,
  options: WriteBatchOptions = {},
): Promise<(SendResult | Error)[]> {
  const mysql = dialectOf(trx) === 'mysql';
  const checked = options.checked === true;
  // Filled, not sparse: `map` below must visit the in-batch repeats, which get no entry of their own.
  const results: (SendResult | Error | undefined)[] = new Array(requests.length).fill(undefined);
  const nowText = toDbTime(now);

  // Retries: the same (sender, clientId) stored before (checked only; unchecked, the INSERT's unique key
  // finds them), or twice in this batch.
  const existing = checked ? await findStoredRetries(trx, requests) : [];
  const existingByKey = new Map(existing.map((row) => [`${row.sender_id}|${row.client_id}`, row]));
  const firstInBatch = new Map<string, number>();
  /** Index of a request that repeats an earlier one in this batch → index of that earlier one. */
  const duplicateOf = new Map<number, number>();

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

  // Mentioned people: active members of the message's conversation, read in this transaction (no query
  // when the batch mentions nobody).
  const mentionable = await activeMemberPairs(
    trx,
    requests.flatMap((r) => (r.mentionIds ?? []).map((id): MemberKey => memberKey(r.conversationId, id))),
  );

  // Membership is looked up when checked, and for senders of a request that is refused below for its
  // attachments, reply or mentions, so a non-member learns "not found", never which message ids exist.
  const pairsToLookUp = new Set<string>();
  const refusals = new Map<number, Error>();
  requests.forEach((request, index) => {
    const refusal = refusalOf(request, attachmentById, originals, mentionable, new Set());
    if (checked || refusal) pairsToLookUp.add(`${request.conversationId}|${request.senderId}`);
    if (refusal) refusals.set(index, refusal);
  });
  const { memberSet, readOnly } = await findMemberships(trx, [...pairsToLookUp]);

  const toInsert: BatchItem[] = [];
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
    const pair = `${request.conversationId}|${request.senderId}`;
    if (pairsToLookUp.has(pair)) {
      if (!memberSet.has(pair)) {
        results[index] = notMember();
        return;
      }
      if (readOnly.has(pair)) {
        results[index] = readOnlyConversation();
        return;
      }
    }
    // Checked again with the attachments claimed by earlier requests of the batch.
    const refusal =
      refusals.get(index) ?? refusalOf(request, attachmentById, originals, mentionable, claimed);
    if (refusal) {
      results[index] = refusal;
      return;
    }
    for (const id of request.attachmentIds) claimed.add(id);
    firstInBatch.set(key, index);
    toInsert.push({ index, request });
  });

  // Hand out seq and rev per conversation from its counter row.
  const byConversation = groupByConversation(toInsert);
  const countersById = await bumpCounters(trx, byConversation, nowText, mysql);
  const rows = numberRows(byConversation, countersById, nowText, results, originals);
  await insertMessages(trx, rows);
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
    if (attachments.size === 0) return result;
    return { ...result, attachments: attachments.get(result.row.id) ?? [] };
  };
  return results.map((result, index) => {
    const first = duplicateOf.get(index);
    if (first === undefined) return finish(result, index);
    const original = finish(results[first], first);
    return original instanceof Error ? original : { ...original, created: false };
  });
}

/** A send of a batch with its index in the batch. */
export interface BatchItem {
  readonly index: number;
  readonly request: SendRequest;
}

/** The batch's sends by conversation, each conversation's in batch order. */
export function groupByConversation(items: readonly BatchItem[]): Map<string, BatchItem[]> {
  const byConversation = new Map<string, BatchItem[]>();
  for (const item of items) {
    const list = byConversation.get(item.request.conversationId);
    if (list) list.push(item);
    else byConversation.set(item.request.conversationId, [item]);
  }
  return byConversation;
}

/**
 * The new rows, each conversation's sends numbered up to its bumped counters (seq and rev gapless, in
 * batch order); each send's result is put at its index in `results`.
 */
export function numberRows(
  byConversation: ReadonlyMap<string, readonly BatchItem[]>,
  countersById: ReadonlyMap<string, Counters>,
  nowText: string,
  results: (SendResult | Error | undefined)[],
  originals?: ReadonlyMap<string, MessageRow>,
): MessageRow[] {
  const rows: MessageRow[] = [];
  for (const [conversationId, items] of byConversation) {
    const counters = countersById.get(conversationId);
    if (!counters) throw new Error(`conversation ${conversationId} has no counter row`);
    const firstSeq = Number(counters.last_seq) - items.length + 1;
    const firstRev = Number(counters.last_rev) - items.length + 1;
    items.forEach((item, offset) => {
      const row: MessageRow = {
        id: newMessageId(),
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
      const replyTo = row.reply_to_id === null ? undefined : originals?.get(row.reply_to_id);
      results[item.index] = { row, attachments: [], replyTo, created: true };
    });
  }
  return rows;
}

/**
 * Why a request cannot be stored for its attachments, reply or mentions, given the attachments claimed so
 * far; or nothing.
 */
function refusalOf(
  request: SendRequest,
  attachmentById: ReadonlyMap<string, AttachmentRow>,
  originals: ReadonlyMap<string, MessageRow>,
  mentionable: ReadonlySet<MemberKey>,
  claimed: ReadonlySet<string>,
): Error | undefined {
  for (const id of request.attachmentIds) {
    const attachment = attachmentById.get(id);
    if (
      !attachment ||
      attachment.uploader_id !== request.senderId ||
      attachment.conversation_id !== request.conversationId ||
      attachment.message_id !== null ||
      claimed.has(id)
    ) {
      return validationError('body.attachmentIds', `attachment ${id} cannot be used`);
    }
  }
  if (request.replyToId && originals.get(request.replyToId)?.conversation_id !== request.conversationId) {
    return validationError('body.replyToId', 'must be a message of this conversation');
  }
  // A timeline event ("added", "renamed"…) is not something one answers.
  if (request.replyToId && originals.get(request.replyToId)?.kind === 'system') {
    return validationError('body.replyToId', 'cannot reply to a timeline event');
  }
  if (request.mentionIds?.some((id) => !mentionable.has(memberKey(request.conversationId, id)))) {
    return validationError('body.mentionIds', 'must be members of this conversation');
  }
  return undefined;
}
