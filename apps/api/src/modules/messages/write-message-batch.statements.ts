import { CompiledQuery, type Transaction } from 'kysely';
import { IN_CHUNK, selectInChunks } from '../../db/chunks.js';
import type { DB } from '../../db/schema.js';
import type { MessageRow } from './message.repository.js';

/**
 * The statements of the message write path (`write-message-batch.command.ts` decides what to write; these
 * read and write it): stored retries, memberships, the guarded counter UPDATE and the multi-row INSERT.
 * The two hottest are plain SQL text with placeholders, no query builder.
 */

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

/** Messages stored earlier under the (sender, clientId) of these requests. */
export function findStoredRetries(
  trx: Transaction<DB>,
  requests: readonly { readonly senderId: string; readonly clientId: string }[],
): Promise<MessageRow[]> {
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
export async function findMemberships(
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

export type Counters = { last_seq: number | string; last_rev: number | string };

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
  const counters = new Map<string, Counters>();
  if (sendsByConversation.size === 0) return counters;
  const update = counterUpdate(sendsByConversation, nowText, mysql, checkSenders);
  const updated = await trx.executeQuery<Counters & { id: string }>(
    CompiledQuery.raw(update.sql, update.parameters),
  );
  if (mysql) {
    if (Number(updated.numAffectedRows ?? 0n) !== update.conversationIds.length) throw new BatchNeedsCheck();
    const read = counterRead(update.conversationIds);
    const rows = await trx.executeQuery<Counters & { id: string }>(
      CompiledQuery.raw(read.sql, read.parameters),
    );
    for (const row of rows.rows) counters.set(row.id, row);
  } else {
    if (updated.rows.length !== update.conversationIds.length) throw new BatchNeedsCheck();
    for (const row of updated.rows) counters.set(row.id, row);
  }
  return counters;
}

/** A statement's text with `?` placeholders and its values. */
export interface Statement {
  readonly sql: string;
  readonly parameters: unknown[];
}

/**
 * The guarded counter UPDATE of `bumpCounters` (see there): SQLite returns the new counters, MySQL reads
 * them with `counterRead`. Plain SQL text with placeholders (no query builder): it is the hottest
 * statement.
 */
export function counterUpdate(
  sendsByConversation: ReadonlyMap<string, readonly { request: { senderId: string } }[]>,
  nowText: string,
  mysql: boolean,
  checkSenders = true,
): Statement & { conversationIds: string[] } {
  const conversationIds = [...sendsByConversation.keys()].sort();
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
  const sql = `update conversations${mysql ? ' force index (primary)' : ''}
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
  return { sql, parameters, conversationIds };
}

/** MySQL: the counters `counterUpdate` just bumped (by primary key: see `bumpCounters`). */
export function counterRead(conversationIds: string[]): Statement {
  return {
    sql: `select id, last_seq, last_rev from conversations force index (primary) where id in (${placeholders(conversationIds.length)})`,
    parameters: conversationIds,
  };
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
export async function insertMessages(trx: Transaction<DB>, rows: readonly MessageRow[]): Promise<void> {
  for (const insert of messageInserts(rows)) {
    await trx.executeQuery(CompiledQuery.raw(insert.sql, insert.parameters));
  }
}

/** The multi-row INSERTs of `insertMessages`, INSERT_ROWS rows each. */
export function messageInserts(rows: readonly MessageRow[]): Statement[] {
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const slice = rows.slice(start, start + INSERT_ROWS);
    const parameters: unknown[] = [];
    for (const row of slice) for (const column of MESSAGE_COLUMNS) parameters.push(row[column]);
    statements.push({
      sql: `insert into messages (${MESSAGE_COLUMNS.join(', ')}) values ${Array(slice.length).fill(ROW_PLACEHOLDERS).join(', ')}`,
      parameters,
    });
  }
  return statements;
}

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}
