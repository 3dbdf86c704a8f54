import { describe, expect, it } from 'vitest';
import { SearchQuery, snippetParts } from './search.js';

describe('snippetParts', () => {
  it('splits a snippet into text runs and hits', () => {
    expect(snippetParts('a <mark>b</mark> c <mark>d</mark>')).toEqual([
      { text: 'a ', hit: false },
      { text: 'b', hit: true },
      { text: ' c ', hit: false },
      { text: 'd', hit: true },
    ]);
    expect(snippetParts('')).toEqual([]);
    expect(snippetParts('no hits')).toEqual([{ text: 'no hits', hit: false }]);
  });

  it('keeps an unmatched marker as text, and never yields an empty run', () => {
    expect(snippetParts('x <mark>y')).toEqual([{ text: 'x <mark>y', hit: false }]);
    expect(snippetParts('<mark></mark>z')).toEqual([{ text: 'z', hit: false }]);
  });
});

describe('SearchQuery', () => {
  it('trims q, bounds limit and takes only cursors that look like ours', () => {
    expect(SearchQuery.parse({ q: '  deploy  ' })).toEqual({ q: 'deploy', limit: 20 });
    expect(SearchQuery.safeParse({ q: '   ' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'x', limit: '51' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'x', cursor: 'a b' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'x', other: '1' }).success).toBe(false);
  });
});
