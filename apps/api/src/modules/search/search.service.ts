import type { SearchQuery, SearchResults } from '@parley/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { validationError } from '../../errors.js';
import { requireMembership } from '../conversations/conversation.service.js';
import { loadMessages } from '../messages/message.loader.js';
import { type SearchTuning, searchMessageRows } from './message-search.repository.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';
import { type ParsedSearch, parseSearchQuery, SearchSyntaxError } from './search-query.js';
import { buildSnippet } from './search-snippet.js';

export interface SearchDeps {
  readonly db: Kysely<DB>;
  /** How much one request may read on MySQL (SEARCH_SCAN_ROWS, SEARCH_INDEX_DOCUMENTS). */
  readonly tuning?: SearchTuning | undefined;
}

function parse(q: string): ParsedSearch {
  try {
    return parseSearchQuery(q);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw validationError('querystring.q', error.message);
    throw error;
  }
}

/**
 * Full-text search over the messages of the conversations the user is an active member of now (one of
 * them with `conversationId`: 404 for anyone else's), newest first, a page at a time. Deleted messages
 * are never found; edited ones by their current text only.
 */
export async function searchMessages(
  deps: SearchDeps,
  userId: string,
  query: SearchQuery,
): Promise<SearchResults> {
  const search = parse(query.q);
  const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
  if (query.conversationId !== undefined) await requireMembership(deps.db, query.conversationId, userId);
  const { rows, continueAfter } = await searchMessageRows(
    deps.db,
    search,
    { userId, conversationId: query.conversationId, after, limit: query.limit + 1 },
    deps.tuning,
  );
  const page = rows.slice(0, query.limit);
  const messages = await loadMessages(deps.db, page);
  const last = page.at(-1);
  return {
    results: messages.map((message, index) => ({
      message,
      conversationId: message.conversationId,
      snippet: buildSnippet(page[index]?.body ?? '', search),
    })),
    // More results, or more messages to look at: a page can be short (even empty) and still not last.
    nextCursor:
      rows.length > query.limit && last
        ? encodeSearchCursor({
            createdAt: last.created_at,
            conversationId: last.conversation_id,
            seq: Number(last.seq),
          })
        : continueAfter
          ? encodeSearchCursor(continueAfter)
          : null,
  };
}
