/**
 * The search language, parsed here and never handed to a database as typed: each engine gets a query
 * built from this tree (message-search.repository.ts), so no input can be a syntax error there.
 *
 * - Words are runs of letters, digits, combining marks and `_` (what SQLite's FTS5 table and InnoDB's
 *   FULLTEXT parser index as one token); anything else separates them. Every word must appear.
 * - `"a quoted phrase"`: its words next to each other, in that order. An unquoted run that holds several
 *   words (`don't`, `e-mail`) is such a phrase too, as the engines index it as several tokens.
 * - `deploy*`: a word starting with `deploy` (at least two characters before the `*`).
 * Matching ignores case and accents.
 */

export type SearchClause =
  | { readonly kind: 'word'; readonly text: string; readonly prefix: boolean }
  | { readonly kind: 'phrase'; readonly words: readonly string[] };

export interface ParsedSearch {
  readonly clauses: readonly SearchClause[];
}

/** Words and phrases one query may hold, and words in all. */
export const MAX_SEARCH_CLAUSES = 10;
export const MAX_SEARCH_WORDS = 20;
/** Characters a prefix needs before its `*`. */
export const MIN_PREFIX_LENGTH = 2;

/** A query the search language does not accept; the service answers 400 with this message. */
export class SearchSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

/** One token of text: the characters both engines keep together. */
export const TOKEN = /[\p{L}\p{N}\p{M}_]+/gu;
/** Straight and typographic double quotes (phones type the latter). */
const QUOTE = /["“”„]/u;

/** A token as compared: accents removed, lower case (as FTS5's unicode61 and MySQL's unicode_ci see it). */
export function foldToken(token: string): string {
  return token.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const tokensOf = (text: string): string[] => [...text.matchAll(TOKEN)].map((match) => match[0]);

function unquotedClauses(text: string): SearchClause[] {
  const clauses: SearchClause[] = [];
  for (const item of text.split(/\s+/u)) {
    if (!item) continue;
    const stars = item.split('*').length - 1;
    const prefix = stars > 0;
    const body = prefix ? item.slice(0, -1) : item;
    if (stars > 1 || (prefix && !item.endsWith('*')) || (prefix && !/[\p{L}\p{N}\p{M}_]$/u.test(body))) {
      throw new SearchSyntaxError('a * goes right after a word, as in deploy*');
    }
    const words = tokensOf(body);
    if (words.length === 0) continue;
    if (prefix) {
      if (words.length > 1) throw new SearchSyntaxError('a prefix search (word*) takes one word');
      const [word = ''] = words;
      if ([...word].length < MIN_PREFIX_LENGTH) {
        throw new SearchSyntaxError(
          `a prefix search needs at least ${MIN_PREFIX_LENGTH} letters before the *`,
        );
      }
      clauses.push({ kind: 'word', text: word, prefix: true });
    } else if (words.length === 1) {
      clauses.push({ kind: 'word', text: words[0] ?? '', prefix: false });
    } else {
      clauses.push({ kind: 'phrase', words });
    }
  }
  return clauses;
}

function quotedClause(text: string): SearchClause | undefined {
  if (text.includes('*')) throw new SearchSyntaxError('a prefix search (word*) does not work inside quotes');
  const words = tokensOf(text);
  if (words.length === 0) return undefined;
  if (words.length === 1) return { kind: 'word', text: words[0] ?? '', prefix: false };
  return { kind: 'phrase', words };
}

const clauseKey = (clause: SearchClause): string =>
  clause.kind === 'word'
    ? `${clause.prefix ? 'p' : 'w'}:${foldToken(clause.text)}`
    : `q:${clause.words.map(foldToken).join(' ')}`;

/** The query's clauses, or a `SearchSyntaxError` saying what is wrong with it. */
export function parseSearchQuery(input: string): ParsedSearch {
  const text = input.normalize('NFC');
  const parts = text.split(QUOTE);
  if (parts.length % 2 === 0) throw new SearchSyntaxError('has a quote that is not closed');
  const clauses: SearchClause[] = [];
  for (const [index, part] of parts.entries()) {
    if (index % 2 === 0) clauses.push(...unquotedClauses(part));
    else {
      const clause = quotedClause(part);
      if (clause) clauses.push(clause);
    }
  }
  const byKey = new Map<string, SearchClause>();
  for (const clause of clauses) if (!byKey.has(clauseKey(clause))) byKey.set(clauseKey(clause), clause);
  const unique = [...byKey.values()];
  if (unique.length === 0) throw new SearchSyntaxError('has no words to search for');
  if (unique.length > MAX_SEARCH_CLAUSES) {
    throw new SearchSyntaxError(`can hold at most ${MAX_SEARCH_CLAUSES} words and phrases`);
  }
  const words = unique.reduce((sum, clause) => sum + (clause.kind === 'word' ? 1 : clause.words.length), 0);
  if (words > MAX_SEARCH_WORDS) throw new SearchSyntaxError(`can hold at most ${MAX_SEARCH_WORDS} words`);
  return { clauses: unique };
}
