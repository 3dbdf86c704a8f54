import { z } from 'zod';
import { Id } from './auth.js';
import { Message } from './messaging.js';

/** Where a hit starts and ends in a search result's `snippet`: plain-text markers, never HTML. */
export const SNIPPET_MARK_START = '<mark>';
export const SNIPPET_MARK_END = '</mark>';

/**
 * GET /api/search?q=&conversationId=&limit=&cursor=
 *
 * `q`: words that must all appear (any case, any accents), `"quoted phrases"` (the words in that order),
 * and `prefix*` (at least two letters before the `*`); other punctuation separates words. `cursor` is a
 * previous page's `nextCursor`, as given.
 */
export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  conversationId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'is not a cursor from this API' })
    .optional(),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

/** One message that matched, with an excerpt of its text around the hits. */
export const SearchResult = z.object({
  message: Message,
  conversationId: z.string(),
  /**
   * Up to about 160 characters of the message around its first hit (`…` where text was cut), each hit
   * between `<mark>` and `</mark>`. Plain text with markers: split it (`snippetParts`), never render it as
   * HTML. A message's own `<mark>` text shows as `‹mark›`.
   */
  snippet: z.string(),
});
export type SearchResult = z.infer<typeof SearchResult>;

/**
 * Newest first; `nextCursor` is null on the last page. A page can hold fewer than `limit` results, even
 * none, and still carry a `nextCursor`: the server stopped reading for this request (a bounded amount
 * per request on MySQL) and the next page continues further back.
 */
export const SearchResults = z.object({
  results: z.array(SearchResult),
  nextCursor: z.string().nullable(),
});
export type SearchResults = z.infer<typeof SearchResults>;

/** A snippet as text runs, each a hit or not, for rendering as text (never as HTML). */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  let rest = snippet;
  while (rest.length > 0) {
    const start = rest.indexOf(SNIPPET_MARK_START);
    if (start < 0) break;
    const end = rest.indexOf(SNIPPET_MARK_END, start + SNIPPET_MARK_START.length);
    if (end < 0) break;
    if (start > 0) parts.push({ text: rest.slice(0, start), hit: false });
    const hit = rest.slice(start + SNIPPET_MARK_START.length, end);
    if (hit) parts.push({ text: hit, hit: true });
    rest = rest.slice(end + SNIPPET_MARK_END.length);
  }
  if (rest) parts.push({ text: rest, hit: false });
  return parts;
}
