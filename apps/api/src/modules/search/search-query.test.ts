import { snippetParts } from '@parley/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexTerms } from './message-search.repository.js';
import { clausePattern, fts5Query } from './search-patterns.js';
import { parseSearchQuery, SearchSyntaxError } from './search-query.js';
import { buildSnippet } from './search-snippet.js';

const sizes = { min: 3, max: 84 };

describe('the search language', () => {
  it('reads words, phrases and prefixes; punctuation separates words', () => {
    expect(parseSearchQuery('deploy "the API" stag* -x (ok)').clauses).toEqual([
      { kind: 'word', text: 'deploy', prefix: false },
      { kind: 'phrase', words: ['the', 'API'] },
      { kind: 'word', text: 'stag', prefix: true },
      { kind: 'word', text: 'x', prefix: false },
      { kind: 'word', text: 'ok', prefix: false },
    ]);
    // A run of several tokens is a phrase (the engines index it as several words).
    expect(parseSearchQuery("don't e-mail snake_case").clauses).toEqual([
      { kind: 'phrase', words: ['don', 't'] },
      { kind: 'phrase', words: ['e', 'mail'] },
      { kind: 'word', text: 'snake_case', prefix: false },
    ]);
    // Typographic quotes work like straight ones; a quoted single word is a word; repeats count once.
    expect(parseSearchQuery('“go live” "deploy" Deploy').clauses).toEqual([
      { kind: 'phrase', words: ['go', 'live'] },
      { kind: 'word', text: 'deploy', prefix: false },
    ]);
  });

  it.each([
    ['"unclosed', 'quote that is not closed'],
    ['*', 'a * goes right after a word'],
    ['de*ploy', 'a * goes right after a word'],
    ['deploy**', 'a * goes right after a word'],
    ['a*', 'at least 2 letters'],
    ['e-ma*', 'takes one word'],
    ['"deploy*"', 'inside quotes'],
    ['!!! ... ""', 'no words'],
    [Array.from({ length: 11 }, (_, i) => `w${i}`).join(' '), 'at most 10 words and phrases'],
    [`"${Array.from({ length: 21 }, (_, i) => `w${i}`).join(' ')}"`, 'at most 20 words'],
  ])('refuses %j (%s)', (query, message) => {
    expect(() => parseSearchQuery(query)).toThrow(SearchSyntaxError);
    expect(() => parseSearchQuery(query)).toThrow(message);
  });

  it('parses anything into clauses or a syntax error, and builds engine queries with only safe characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (input) => {
        let parsed: ReturnType<typeof parseSearchQuery>;
        try {
          parsed = parseSearchQuery(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SearchSyntaxError);
          return;
        }
        // FTS5 gets quoted tokens only: no quote, operator or column filter from the input.
        expect(fts5Query(parsed)).toMatch(
          /^"[\p{L}\p{N}\p{M}_ ]+"( \*)?( AND "[\p{L}\p{N}\p{M}_ ]+"( \*)?)*$/u,
        );
        // MySQL gets single words for AGAINST and patterns that compile.
        for (const term of indexTerms(parsed, sizes))
          expect(term.against).toMatch(/^\+[\p{L}\p{N}\p{M}_]+\*?$/u);
        for (const clause of parsed.clauses) new RegExp(clausePattern(clause), 'u');
      }),
      { numRuns: 500 },
    );
  });
});

describe('queries for each engine', () => {
  const search = parseSearchQuery('deploy "go live now" de* stag* ok');

  it('gives FTS5 quoted tokens joined with AND', () => {
    expect(fts5Query(search)).toBe('"deploy" AND "go live now" AND "de" * AND "stag" * AND "ok"');
  });

  it('gives MySQL the words its FULLTEXT index holds, and a pattern per clause', () => {
    expect(indexTerms(search, sizes).map((term) => term.against)).toEqual([
      '+deploy',
      '+live',
      '+now',
      '+stag*',
    ]);
    expect(indexTerms(parseSearchQuery('ox "an ox" ok*'), sizes)).toEqual([]);
    const [, phrase, shortPrefix] = search.clauses.map(clausePattern);
    const matches = (pattern: string | undefined, text: string) => new RegExp(pattern ?? '', 'iu').test(text);
    // What a pattern finds, as the engine's regex would (case-insensitive there by the collation).
    expect(matches(phrase, 'we go live now!')).toBe(true);
    expect(matches(phrase, 'we Gó   LIVE, now')).toBe(true);
    expect(matches(phrase, 'ago live now')).toBe(false);
    expect(matches(phrase, 'go live nowhere')).toBe(false);
    expect(matches(phrase, 'go now live')).toBe(false);
    expect(matches(shortPrefix, 'the deal')).toBe(true);
    expect(matches(shortPrefix, 'Déjà vu')).toBe(true);
    expect(matches(shortPrefix, 'idea')).toBe(false);
    // Accents are ignored, precomposed or not, as the index's collation ignores them.
    const cafe = clausePattern({ kind: 'word', text: 'café', prefix: false });
    for (const text of ['cafe', 'CAFÉ au lait', 'un café.', 'cafe\u0301 noir', 'Cafè'])
      expect(matches(cafe, text)).toBe(true);
    for (const text of ['cafes', 'decafe', 'caf']) expect(matches(cafe, text)).toBe(false);
  });
});

describe('snippets', () => {
  const snippet = (body: string, query: string) => buildSnippet(body, parseSearchQuery(query));

  it('marks every hit, ignoring case and accents, whole words, prefixes and phrases', () => {
    expect(snippet('Deploy the API; redeploy later, deployment done', 'deploy')).toBe(
      '<mark>Deploy</mark> the API; redeploy later, deployment done',
    );
    expect(snippet('Deploy the API; redeploy later, deployment done', 'deploy*')).toBe(
      '<mark>Deploy</mark> the API; redeploy later, <mark>deployment</mark> done',
    );
    expect(snippet('Café au lait, CAFE noir', 'cafe')).toBe(
      '<mark>Café</mark> au lait, <mark>CAFE</mark> noir',
    );
    expect(snippet('we go   live\nnow, go', '"go live now"')).toBe('we <mark>go live now</mark>, go');
  });

  it('cuts long text around the first hit at word edges, with an ellipsis', () => {
    const before = 'lorem ipsum '.repeat(20);
    const after = ' dolor sit amet'.repeat(20);
    const text = snippet(`${before}needle${after}`, 'needle');
    expect(text.startsWith('…')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(text).toContain('<mark>needle</mark>');
    expect(text.replace(/<\/?mark>/g, '').length).toBeLessThanOrEqual(170);
    expect(text).toMatch(/^… ?(lorem|ipsum) /);
    // A hit at the very start: no leading ellipsis.
    expect(snippet(`needle${after}`, 'needle')).toMatch(/^<mark>needle<\/mark> dolor/);
  });

  it('keeps a message’s own marker text from passing for a hit, and splits into text runs', () => {
    const text = snippet('<mark>fake</mark> mango', 'mango');
    expect(text).toBe('‹mark›fake‹/mark› <mark>mango</mark>');
    expect(snippetParts(text)).toEqual([
      { text: '‹mark›fake‹/mark› ', hit: false },
      { text: 'mango', hit: true },
    ]);
  });
});
