import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { dialectOf } from '../../db/migrations/dialect.js';
import type { DB, Executor, MessagesTable } from '../../db/schema.js';
import type { MessageRow } from '../messages/message.repository.js';
import type { SearchPosition } from './search-cursor.js';
import { clausePattern, fts5Query } from './search-patterns.js';
import { foldToken, type ParsedSearch } from './search-query.js';
import { estimatedMessageCount, mysqlTokenSizes, type TokenSizes } from './search-statistics.js';

/**
 * The search's SQL. Both engines get a query built from the parsed search (never the user's text), and
 * the same rows: live messages of live conversations the user is an active member of now, matching every
 * clause, newest first (creation time, then conversation and seq, so ties keep seq order).
 *
 * - SQLite: one FTS5 MATCH over `message_search` (migration 0014): `"word"`, `"prefix" *`, `"two words"`,
 *   joined with AND.
 * - MySQL/MariaDB: every clause is a REGEXP on `search_text` (`clausePattern`: the word between non-word
 *   characters; case ignored by the column's collation, accents by a class of accented forms per letter;
 *   equivalences beyond those, ß = ss, are not made). What the patterns are tried on: the user's
 *   messages newest first, in rounds (`scanRound`), which answers frequent words at once; when those
 *   do not fill the page and a word of the search is rare enough, the messages the InnoDB FULLTEXT index
 *   finds for the rarest indexed word (`searchIndexed`: InnoDB spends time on every document of every
 *   word in AGAINST, whoever may read it, so one rare word is the cheapest exact narrowing; a word in a
 *   third of all messages costs seconds). Otherwise (frequent words only, phrases of them, words shorter
 *   than `innodb_ft_min_token_size`, which the index does not hold) the rounds go on, up to
 *   `maxScanRows` messages a request: a page that is not full by then comes with a cursor to continue
 *   from (`continueAfter`), so no request reads all of a user's messages.
 */

export interface SearchPageRequest {
  readonly userId: string;
  /** Only this conversation. */
  readonly conversationId?: string | undefined;
  /** Continue after this result (keyset paging). */
  readonly after?: SearchPosition | undefined;
  readonly limit: number;
}

/** How the MySQL search picks its way (config: SEARCH_SCAN_ROWS, SEARCH_INDEX_DOCUMENTS; tests force each way). */
export interface SearchTuning {
  /** Messages the first round of the recent scan reads (of the user's conversations, newest first). */
  readonly recentRows: number;
  /**
   * At most this many messages are read by the patterns in one request: when a page is not full by
   * then, the request answers what it found with a cursor that continues further back (SEARCH_SCAN_ROWS).
   */
  readonly maxScanRows: number;
  /**
   * The FULLTEXT index narrows by a word only when it is expected in fewer documents of the whole table
   * than this: InnoDB walks every document holding the word, whoever may see it (SEARCH_INDEX_DOCUMENTS).
   */
  readonly maxIndexDocuments: number;
  /** Users in more conversations than this skip the recent scan. */
  readonly recentMaxConversations: number;
  /** A word in more than this share of the messages read is not worth the FULLTEXT index. */
  readonly denseShare: number;
}

export const SEARCH_TUNING: SearchTuning = {
  recentRows: 1_000,
  maxScanRows: 4_000,
  maxIndexDocuments: 1_500,
  recentMaxConversations: 500,
  denseShare: 0.05,
};

/**
 * Up to `limit` matching messages, newest first; `continueAfter` when the search stopped before it had
 * looked at every message (its scan allowance was spent): the next page starts there.
 */
export interface SearchRows {
  readonly rows: MessageRow[];
  readonly continueAfter?: SearchPosition | undefined;
}

/** A position before every message created at `time` or later (a scan's horizon). */
export const olderThan = (time: string): SearchPosition => ({ createdAt: time, conversationId: '', seq: 0 });

type MessagesQuery = SelectQueryBuilder<DB & { m: MessagesTable }, 'm', MessageRow>;

/** After a position (keyset): older, or as old and before it in (conversation, seq) order. */
function afterPosition(query: MessagesQuery, after: SearchPosition | undefined): MessagesQuery {
  if (!after) return query;
  return query.where((eb) =>
    eb.or([
      eb('m.created_at', '<', after.createdAt),
      eb.and([
        eb('m.created_at', '=', after.createdAt),
        eb.or([
          eb('m.conversation_id', '<', after.conversationId),
          eb.and([eb('m.conversation_id', '=', after.conversationId), eb('m.seq', '<', after.seq)]),
        ]),
      ]),
    ]),
  );
}

/** Live messages (of the one conversation, if asked), after the page's position, newest first, `limit` rows. */
function paged(query: MessagesQuery, page: SearchPageRequest): Promise<MessageRow[]> {
  let result = query.where('m.deleted_at', 'is', null);
  if (page.conversationId !== undefined) result = result.where('m.conversation_id', '=', page.conversationId);
  return afterPosition(result, page.after)
    .orderBy('m.created_at', 'desc')
    .orderBy('m.conversation_id', 'desc')
    .orderBy('m.seq', 'desc')
    .limit(page.limit)
    .execute();
}

/** The conversations the user is an active member of now, live conversations only. */
function memberConversations(db: Executor, userId: string) {
  return db
    .selectFrom('conversation_members as cm')
    .innerJoin('conversations as c', 'c.id', 'cm.conversation_id')
    .select('cm.conversation_id')
    .where('cm.user_id', '=', userId)
    .where('cm.left_at', 'is', null)
    .where('c.deleted_at', 'is', null);
}

/** Messages of those conversations. */
function memberMessages(db: Executor, userId: string): MessagesQuery {
  return db
    .selectFrom('messages as m')
    .selectAll('m')
    .where('m.conversation_id', 'in', memberConversations(db, userId));
}

function searchSqlite(db: Executor, search: ParsedSearch, page: SearchPageRequest): Promise<MessageRow[]> {
  return paged(
    memberMessages(db, page.userId).where(
      sql<SqlBool>`m.id in (select r.message_id from message_search s
        join message_search_rows r on r.id = s.rowid where message_search match ${fts5Query(search)})`,
    ),
    page,
  );
}

/** A word the FULLTEXT index holds, as AGAINST takes it, with its pattern (to count it in a sample). */
interface IndexTerm {
  readonly against: string;
  readonly pattern: string;
  readonly length: number;
}

/** The clauses' words that the FULLTEXT index holds (prefixes included), each once. */
export function indexTerms(search: ParsedSearch, sizes: TokenSizes): IndexTerm[] {
  const terms = new Map<string, IndexTerm>();
  const add = (word: string, prefix: boolean) => {
    const length = [...word].length;
    if (length < sizes.min || length > sizes.max) return;
    const against = `+${word}${prefix ? '*' : ''}`;
    const key = foldToken(against);
    if (!terms.has(key)) {
      terms.set(key, { against, pattern: clausePattern({ kind: 'word', text: word, prefix }), length });
    }
  };
  for (const clause of search.clauses) {
    if (clause.kind === 'word') add(clause.text, clause.prefix);
    else for (const word of clause.words) add(word, false);
  }
  return [...terms.values()];
}

/** Every clause must match. */
function matchingAll(query: MessagesQuery, search: ParsedSearch): MessagesQuery {
  let result = query;
  for (const clause of search.clauses) {
    result = result.where(sql<SqlBool>`m.search_text regexp ${clausePattern(clause)}`);
  }
  return result;
}

interface Sampled {
  readonly id: string;
  readonly created_at: string;
  readonly conversation_id: string;
  readonly seq: number | string;
  readonly [flag: `c${number}`]: number | string | null;
}

/** The SQL order of results (created_at text sorts as time; ids are ASCII, compared bytewise). */
function newestFirst(a: Sampled, b: Sampled): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  if (a.conversation_id !== b.conversation_id) return a.conversation_id < b.conversation_id ? 1 : -1;
  return Number(b.seq) - Number(a.seq);
}

/** One round of the recent scan: the matches among the messages read, and where it stopped. */
interface ScanRound {
  /** Every message read that matches the whole search, newest first. */
  readonly matches: Sampled[];
  /** Messages read. */
  readonly read: number;
  /** How many of those held each index term. */
  readonly counts: readonly number[];
  /** Every message at this time or later (and before the start) was read; null: every message was. */
  readonly horizon: string | null;
}

/** The user's conversations (the one asked for, if any); undefined when they are too many to scan. */
async function scanConversations(
  db: Executor,
  page: SearchPageRequest,
  tuning: SearchTuning,
): Promise<string[] | undefined> {
  let members = memberConversations(db, page.userId);
  if (page.conversationId !== undefined)
    members = members.where('cm.conversation_id', '=', page.conversationId);
  const conversations = (await members.limit(tuning.recentMaxConversations + 1).execute()).map(
    (row) => row.conversation_id,
  );
  return conversations.length > tuning.recentMaxConversations ? undefined : conversations;
}

/**
 * MySQL: one round of reading the user's messages newest first, from `start`, by the
 * (conversation_id, created_at) index. With k = `window` / conversations, the horizon is the latest of
 * each conversation's (k+1)-th newest time: every message from it on is read (about k per conversation),
 * every one left is older. The patterns decide which match; the next round (or request) starts older
 * than the horizon.
 */
async function scanRound(
  db: Executor,
  search: ParsedSearch,
  terms: readonly IndexTerm[],
  conversations: readonly string[],
  start: SearchPosition | undefined,
  window: number,
): Promise<ScanRound> {
  const k = Math.max(1, Math.floor(window / conversations.length));
  // A horizon start (`olderThan`) excludes its own time; a result's position includes the rest of it.
  const notAfter = !start
    ? sql``
    : start.conversationId === ''
      ? sql` and created_at < ${start.createdAt}`
      : sql` and created_at <= ${start.createdAt}`;
  const boundaries = conversations.map(
    (id) => sql`(select created_at as t from messages where conversation_id = ${id}${notAfter}
      order by created_at desc limit 1 offset ${sql.lit(k)})`,
  );
  const { rows: horizonRows } = await sql<{ horizon: string | null }>`select max(t) as horizon
    from (${sql.join(boundaries, sql` union all `)}) boundaries`.execute(db);
  const horizon = horizonRows[0]?.horizon ?? null;

  let recent: MessagesQuery = db
    .selectFrom('messages as m')
    .selectAll('m')
    .where('m.conversation_id', 'in', conversations)
    .where('m.deleted_at', 'is', null);
  if (horizon !== null) recent = recent.where('m.created_at', '>=', horizon);
  // Each distinct pattern once (a word's clause and its index term are the same pattern).
  const patterns = [...new Set([...search.clauses.map(clausePattern), ...terms.map((term) => term.pattern)])];
  const column = (pattern: string): `c${number}` => `c${patterns.indexOf(pattern)}`;
  const sampled = (await afterPosition(recent, start)
    .clearSelect()
    .select(['m.id', 'm.created_at', 'm.conversation_id', 'm.seq'])
    .select(patterns.map((pattern, i) => sql<number>`m.search_text regexp ${pattern}`.as(`c${i}`)))
    .execute()) as unknown as Sampled[];
  const clauseColumns = search.clauses.map((clause) => column(clausePattern(clause)));
  return {
    matches: sampled
      .filter((row) => clauseColumns.every((name) => Number(row[name]) === 1))
      .sort(newestFirst),
    read: sampled.length,
    counts: terms.map((term) => sampled.filter((row) => Number(row[column(term.pattern)]) === 1).length),
    horizon,
  };
}

/** The messages of matches, in their order. */
async function rowsOf(db: Executor, matches: readonly Sampled[]): Promise<MessageRow[]> {
  if (matches.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where(
      'id',
      'in',
      matches.map((row) => row.id),
    )
    .execute();
  const order = new Map(matches.map((row, index) => [row.id, index]));
  return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** What the rounds so far read of each index term: how many of `of` messages held it. */
interface TermSample {
  readonly counts: readonly number[];
  readonly of: number;
}

/**
 * The index term to narrow by: the rarest in the sample (else the longest word); none when there is no
 * term, or when even the rarest is in more than `denseShare` of the sample.
 */
function rarestTerm(
  terms: readonly IndexTerm[],
  sample: TermSample | undefined,
  tuning: SearchTuning,
): { term: IndexTerm; share: number } | undefined {
  const [rarest] = terms
    .map((term, index) => ({ term, count: sample?.counts[index] ?? 0 }))
    .sort((a, b) => a.count - b.count || b.term.length - a.term.length);
  if (!rarest) return undefined;
  const share = sample && sample.of > 0 ? rarest.count / sample.of : 0;
  return share > tuning.denseShare ? undefined : { term: rarest.term, share };
}

/**
 * MySQL, last: the FULLTEXT index narrows to the messages holding the chosen term, and the patterns
 * decide; without a term, every message of the user's conversations is tried.
 */
function searchIndexed(
  db: Executor,
  search: ParsedSearch,
  term: IndexTerm | undefined,
  page: SearchPageRequest,
): Promise<MessageRow[]> {
  let query = matchingAll(memberMessages(db, page.userId), search);
  if (term)
    query = query.where(sql<SqlBool>`match (m.search_text) against (${term.against} in boolean mode)`);
  return paged(query, page);
}

/**
 * MySQL: rounds of the recent scan, each further back than the last and at least twice as long, until a
 * page is found or every message was read — or the allowance (`maxScanRows`) is spent: then what was
 * found is the answer, with where to continue. Between rounds, when a rare enough word is in the search,
 * the FULLTEXT index answers the rest at once.
 */
async function searchMysql(
  db: Executor,
  search: ParsedSearch,
  page: SearchPageRequest,
  tuning: SearchTuning,
): Promise<SearchRows> {
  const terms = indexTerms(search, await mysqlTokenSizes(db));
  const conversations = await scanConversations(db, page, tuning);
  if (conversations === undefined)
    return { rows: await searchIndexed(db, search, rarestTerm(terms, undefined, tuning)?.term, page) };
  if (conversations.length === 0) return { rows: [] };

  const found: Sampled[] = [];
  const counts = terms.map(() => 0);
  let read = 0;
  let start = page.after;
  let window = Math.max(1, Math.min(tuning.recentRows, tuning.maxScanRows));
  for (;;) {
    const round = await scanRound(db, search, terms, conversations, start, window);
    found.push(...round.matches);
    read += round.read;
    round.counts.forEach((count, i) => {
      counts[i] = (counts[i] ?? 0) + count;
    });
    if (found.length >= page.limit || round.horizon === null) {
      return { rows: await rowsOf(db, found.slice(0, page.limit)) };
    }
    start = olderThan(round.horizon);
    // How far back the rest of a page is, from how often the rounds matched (none: as if once), with a
    // quarter to spare.
    const missing = page.limit - found.length;
    const estimate = Math.ceil(((read * missing) / Math.max(1, found.length)) * 1.25);
    const left = tuning.maxScanRows - read;
    const chosen = rarestTerm(terms, { counts, of: read }, tuning);
    if (chosen) {
      // The index walks about this many documents for the word, in the whole table.
      const documents = chosen.share * (await estimatedMessageCount(db));
      if (documents < tuning.maxIndexDocuments && (estimate > left || estimate >= documents)) {
        return { rows: await searchIndexed(db, search, chosen.term, page) };
      }
    }
    if (left <= 0) return { rows: await rowsOf(db, found), continueAfter: start };
    window = Math.min(left, Math.max(estimate, window * 2));
  }
}

/** Up to `limit` matching messages, newest first (and where to continue, when the search stopped early). */
export async function searchMessageRows(
  db: Executor,
  search: ParsedSearch,
  page: SearchPageRequest,
  tuning: SearchTuning = SEARCH_TUNING,
): Promise<SearchRows> {
  return dialectOf(db) === 'mysql'
    ? searchMysql(db, search, page, tuning)
    : { rows: await searchSqlite(db, search, page) };
}
