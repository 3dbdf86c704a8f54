import { SNIPPET_MARK_END, SNIPPET_MARK_START } from '@parley/contract';
import { foldToken, type ParsedSearch, TOKEN } from './search-query.js';

/** About how many characters of a message a snippet shows (more when a hit runs past it). */
export const SNIPPET_CHARS = 160;
/** Characters of context kept before the first hit when the message is longer than a snippet. */
const LEAD_CHARS = 40;

interface Token {
  readonly start: number;
  readonly end: number;
  readonly folded: string;
}

function tokensOf(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    folded: foldToken(match[0]),
  }));
}

/** Character ranges of the hits, in order and not overlapping: what the engines matched, found again. */
function hitRanges(tokens: readonly Token[], search: ParsedSearch): [number, number][] {
  const ranges: [number, number][] = [];
  for (const clause of search.clauses) {
    if (clause.kind === 'word') {
      const word = foldToken(clause.text);
      for (const token of tokens) {
        if (clause.prefix ? token.folded.startsWith(word) : token.folded === word) {
          ranges.push([token.start, token.end]);
        }
      }
      continue;
    }
    const words = clause.words.map(foldToken);
    for (let index = 0; index + words.length <= tokens.length; index++) {
      if (words.every((word, offset) => tokens[index + offset]?.folded === word)) {
        const first = tokens[index];
        const last = tokens[index + words.length - 1];
        if (first && last) ranges.push([first.start, last.end]);
      }
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const previous = merged.at(-1);
    if (previous && range[0] <= previous[1]) previous[1] = Math.max(previous[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** The part of the message to show: all of it when short, else from a token before the first hit. */
function windowOf(text: string, tokens: readonly Token[], firstHit: number | undefined): [number, number] {
  if ([...text].length <= SNIPPET_CHARS) return [0, text.length];
  const anchor = firstHit ?? 0;
  // Cut only at token edges: never inside a word, an emoji or a surrogate pair.
  const from =
    anchor - LEAD_CHARS <= 0 ? 0 : (tokens.find((t) => t.start >= anchor - LEAD_CHARS)?.start ?? anchor);
  const limit = from + SNIPPET_CHARS;
  let to = from;
  for (const token of tokens) {
    if (token.start < from) continue;
    if (token.end > limit && to > anchor) break;
    to = token.end;
  }
  return [from, to === from ? Math.min(text.length, limit) : to];
}

/** Runs of whitespace as one space; a message's own `<mark>` text cannot pass for a hit marker. */
const plain = (text: string): string => text.replace(/\s+/gu, ' ').replace(/<(\/?)mark>/giu, '‹$1mark›');

/**
 * The snippet of a search result: the message text around its first hit, hits between `<mark>` and
 * `</mark>` (plain-text markers the client splits on, never HTML), `…` where text was cut. A message the
 * engine matched in a way this cannot find again (a script both tokenize differently) shows its start.
 */
export function buildSnippet(body: string, search: ParsedSearch): string {
  const tokens = tokensOf(body);
  const hits = hitRanges(tokens, search);
  const [from, to] = windowOf(body, tokens, hits[0]?.[0]);
  let out = from > 0 ? '…' : '';
  let at = from;
  for (const [start, end] of hits) {
    if (end <= from) continue;
    if (start >= to) break;
    const hitStart = Math.max(start, from);
    const hitEnd = Math.min(end, to);
    out += plain(body.slice(at, hitStart));
    out += `${SNIPPET_MARK_START}${plain(body.slice(hitStart, hitEnd))}${SNIPPET_MARK_END}`;
    at = hitEnd;
  }
  out += plain(body.slice(at, to));
  if (to < body.length) out += '…';
  return out.trim();
}
