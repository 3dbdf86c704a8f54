import { CompiledQuery, sql, type Transaction } from 'kysely';
import { IN_CHUNK, selectInChunks } from '../../db/chunks.js';
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
 * Thrown by a batch written without the look-ups (`checked: false`) when the guarded counter UPDATE refused
 * a conversation (a sender is no longer a member, the conversation was deleted or became read-only): the
 * transaction rolls back and the batch is written again with `checked: true`, which finds out who.
 */
export class BatchNeedsCheck extends Error {
  readonly code = 'PARLEY_BATCH_NEEDS_CHECK';
  constructor() {
    super('the batch must be written again with its look-ups');
  }
}

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
  const byConversation = new Map<string, { index: number; request: SendRequest }[]>();
  for (const item of toInsert) {
    const items = byConversation.get(item.request.conversationId);
    if (items) items.push(item);
    else byConversation.set(item.request.conversationId, [item]);
  }
  const countersById = await bumpCounters(trx, byConversation, nowText, mysql);
  const rows: MessageRow[] = [];
  for (const [conversationId, items] of byConversation) {
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

/** Messages stored earlier under the (sender, clientId) of these requests. */
function findStoredRetries(trx: Transaction<DB>, requests: readonly SendRequest[]): Promise<MessageRow[]> {
  return selectInChunks(requests, (slice) =>
    trx
      .selectFrom('messages')
      .selectAll()
      .where((eb) =>
        eb.or(slice.map((r) => eb.and([eb('sender_id', '=', r.senderId), eb('client_id', '=', r.clientId)]))),
      )
      .execute(),
  );
}

/**
 * Which `conversationId|userId` pairs are live members of a live conversation, and which of those are in
 * a direct conversation whose other person deleted their account (read-only).
 */
async function findMemberships(
  trx: Transaction<DB>,
  pairs: readonly string[],
): Promise<{ memberSet: Set<string>; readOnly: Set<string> }> {
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
  return {
    memberSet: new Set(members.map((m) => `${m.conversation_id}|${m.user_id}`)),
    readOnly: new Set(
      members.filter((m) => Boolean(Number(m.peer_deleted))).map((m) => `${m.conversation_id}|${m.user_id}`),
    ),
  };
}

type Counters = { last_seq: number | string; last_rev: number | string };

/**
 * Bumps each conversation's seq and rev by its number of sends in one UPDATE (locking each counter row
 * until commit) and returns the new counters: SQLite in the same statement (RETURNING), MySQL in one
 * primary-key read. The UPDATE refuses a conversation that is deleted, in which one of its senders is not
 * a live member, or that is a direct conversation with a deleted account (read-only) — checked inside the
 * transaction, so a removal that committed first is respected whatever an earlier look-up saw; then
 * nothing is bumped and BatchNeedsCheck is thrown. On MySQL the primary key is forced: on a small table
 * the optimizer would rather scan it, and an UPDATE locks every row it scans, so every batch would wait
 * for every other. Plain SQL text with placeholders (no query builder): it is the hottest statement.
 */
export async function bumpCounters(
  trx: Transaction<DB>,
  sendsByConversation: ReadonlyMap<string, readonly { request: { senderId: string } }[]>,
  nowText: string,
  mysql: boolean,
  /**
   * Refuse a conversation whose senders are not all live members, or that is read-only (default). A
   * message that is no member's send (a system event of the conversation) passes `false`: then only a
   * deleted conversation is refused.
   */
  checkSenders = true,
): Promise<Map<string, Counters>> {
  const conversationIds = [...sendsByConversation.keys()].sort();
  const counters = new Map<string, Counters>();
  if (conversationIds.length === 0) return counters;
  if (conversationIds.length > IN_CHUNK) throw new RangeError('too many conversations for one batch');
  const increment: unknown[] = [];
  const sendersCase: unknown[] = [];
  const sendersCount: unknown[] = [];
  const allSenders = new Set<string>();
  let incrementSql = '';
  let sendersCaseSql = '';
  let sendersCountSql = '';
  for (const id of conversationIds) {
    const items = sendsByConversation.get(id) ?? [];
    const senders = [...new Set(items.map((item) => item.request.senderId))];
    for (const sender of senders) allSenders.add(sender);
    incrementSql += ' when ? then ?';
    increment.push(id, items.length);
    sendersCaseSql += ` when ? then m.user_id in (${placeholders(senders.length)})`;
    sendersCase.push(id, ...senders);
    sendersCountSql += ' when ? then ?';
    sendersCount.push(id, senders.length);
  }
  const senderList = [...allSenders];
  const text = `update conversations${mysql ? ' force index (primary)' : ''}
    set last_seq = last_seq + case id${incrementSql} else 0 end,
      last_rev = last_rev + case id${incrementSql} else 0 end,
      last_message_at = ?, updated_at = ?
    where id in (${placeholders(conversationIds.length)}) and deleted_at is null${
      checkSenders
        ? `
      and (select count(*) from conversation_members m
        where m.conversation_id = conversations.id and m.left_at is null
          and m.user_id in (${placeholders(senderList.length)})
          and case m.conversation_id${sendersCaseSql} else 0 end)
        = case id${sendersCountSql} else -1 end
      and (type <> 'direct' or not exists (select 1 from conversation_members p
        inner join users u on u.id = p.user_id
        where p.conversation_id = conversations.id and p.left_at is null and u.deleted_at is not null))`
        : ''
    }${mysql ? '' : ' returning id, last_seq, last_rev'}`;
  const parameters = [
    ...increment,
    ...increment,
    nowText,
    nowText,
    ...conversationIds,
    ...(checkSenders ? [...senderList, ...sendersCase, ...sendersCount] : []),
  ];
  const updated = await trx.executeQuery<Counters & { id: string }>(CompiledQuery.raw(text, parameters));
  if (mysql) {
    if (Number(updated.numAffectedRows ?? 0n) !== conversationIds.length) throw new BatchNeedsCheck();
    const read = await trx.executeQuery<Counters & { id: string }>(
      CompiledQuery.raw(
        `select id, last_seq, last_rev from conversations force index (primary) where id in (${placeholders(conversationIds.length)})`,
        conversationIds,
      ),
    );
    for (const row of read.rows) counters.set(row.id, row);
  } else {
    if (updated.rows.length !== conversationIds.length) throw new BatchNeedsCheck();
    for (const row of updated.rows) counters.set(row.id, row);
  }
  return counters;
}

const MESSAGE_COLUMNS = [
  'id',
  'conversation_id',
  'seq',
  'rev',
  'sender_id',
  'client_id',
  'body',
  'created_at',
  'edited_at',
  'deleted_at',
  'reply_to_id',
] as const satisfies readonly (keyof MessageRow)[];
const ROW_PLACEHOLDERS = `(${placeholders(MESSAGE_COLUMNS.length)})`;
/** Rows per INSERT: 200 × 11 parameters stays far under every driver's limit. */
const INSERT_ROWS = 200;

/**
 * The batch's new messages, in multi-row INSERTs (plain SQL text: the hottest statement after the
 * UPDATE). A (sender_id, client_id) already stored fails it with a unique violation (see
 * `needsCheckedWrite`).
 */
async function insertMessages(trx: Transaction<DB>, rows: readonly MessageRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const slice = rows.slice(start, start + INSERT_ROWS);
    const parameters: unknown[] = [];
    for (const row of slice) for (const column of MESSAGE_COLUMNS) parameters.push(row[column]);
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into messages (${MESSAGE_COLUMNS.join(', ')}) values ${Array(slice.length).fill(ROW_PLACEHOLDERS).join(', ')}`,
        parameters,
      ),
    );
  }
}

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}
