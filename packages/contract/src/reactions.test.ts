import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReactionParams } from './messaging.js';
import { REACTION_SHORT_NAMES, ReactionEmoji, reactionEmoji } from './reactions.js';

describe('reaction emoji', () => {
  it.each([
    ['👍', '👍'],
    ['👍🏽', '👍🏽'],
    ['❤️', '❤️'],
    ['🏳️‍🌈', '🏳️‍🌈'],
    ['👩‍💻', '👩‍💻'],
    ['👩‍👩‍👧‍👦', '👩‍👩‍👧‍👦'],
    ['👩🏻‍❤️‍💋‍👩🏼', '👩🏻‍❤️‍💋‍👩🏼'],
    ['🇫🇷', '🇫🇷'],
    ['1️⃣', '1️⃣'],
    ['🫠', '🫠'],
  ])('accepts %s as one emoji', (input, stored) => {
    expect(reactionEmoji(input)).toBe(stored);
  });

  it('stores one form for one look: text-style hearts and needless selectors are made canonical', () => {
    expect(reactionEmoji('❤')).toBe('❤️');
    expect(reactionEmoji('❤\uFE0E')).toBe('❤️');
    expect(reactionEmoji('😀\uFE0F')).toBe('😀');
  });

  it('maps the short names, bare or between colons, to their emoji', () => {
    expect(reactionEmoji('+1')).toBe('👍');
    expect(reactionEmoji(':tada:')).toBe('🎉');
    expect(reactionEmoji('heart')).toBe('❤️');
    for (const emoji of Object.values(REACTION_SHORT_NAMES)) expect(reactionEmoji(emoji)).toBe(emoji);
  });

  it.each([
    ['', 'empty'],
    ['a', 'a letter'],
    ['1', 'a digit'],
    ['ok', 'a word'],
    [':unknown_name:', 'a short name not on the list'],
    ['constructor', 'an object property name'],
    ['👍👍', 'two emoji'],
    ['👍 ', 'an emoji and a space'],
    ['hi👍', 'text and an emoji'],
    ['\u200D', 'a lone joiner'],
    ['\uFE0F', 'a lone selector'],
    ['<script>', 'markup'],
    ['👍'.repeat(40), 'too long'],
  ])('refuses %j (%s)', (input) => {
    expect(reactionEmoji(input)).toBeUndefined();
    expect(ReactionEmoji.safeParse(input).success).toBe(false);
  });

  it('never accepts text: any string of letters, digits, spaces and punctuation is refused', () => {
    const shortNames = new Set(Object.keys(REACTION_SHORT_NAMES));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), (text) => {
        const name = text.replace(/^:(.*):$/, '$1');
        fc.pre(!shortNames.has(name));
        expect(reactionEmoji(text)).toBeUndefined();
      }),
    );
  });

  it('gives route params back in the stored form', () => {
    expect(ReactionParams.parse({ id: 'abc', emoji: '+1' })).toEqual({ id: 'abc', emoji: '👍' });
    expect(ReactionParams.safeParse({ id: 'abc', emoji: 'nope' }).success).toBe(false);
  });
});
