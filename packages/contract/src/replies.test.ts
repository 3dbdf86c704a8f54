import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLY_EXCERPT_LENGTH, replyExcerpt } from './replies.js';

const graphemeCount = (text: string) => [...new Intl.Segmenter().segment(text)].length;

describe('reply excerpt', () => {
  it('keeps a short text, with its whitespace folded', () => {
    expect(replyExcerpt('  hello\n\n\tworld  ')).toBe('hello world');
    expect(replyExcerpt('')).toBe('');
  });

  it('cuts a long text at a grapheme boundary, never inside an emoji, and marks the cut', () => {
    const family = '👩‍👩‍👧‍👦';
    const excerpt = replyExcerpt(family.repeat(150));
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.slice(0, -1)).toBe(family.repeat(REPLY_EXCERPT_LENGTH));
  });

  it('is at most 100 graphemes and an ellipsis, and always a prefix of the folded text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (body) => {
        const excerpt = replyExcerpt(body);
        const folded = body.replace(/\s+/gu, ' ').trim();
        if (excerpt.endsWith('…') && excerpt !== folded) {
          expect(graphemeCount(excerpt)).toBeLessThanOrEqual(REPLY_EXCERPT_LENGTH + 1);
          expect(folded.startsWith(excerpt.slice(0, -1))).toBe(true);
        } else {
          expect(excerpt).toBe(folded);
          expect(graphemeCount(excerpt)).toBeLessThanOrEqual(REPLY_EXCERPT_LENGTH);
        }
      }),
    );
  });
});
