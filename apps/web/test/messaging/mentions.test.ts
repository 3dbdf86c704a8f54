import type { Member } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import {
  insertMention,
  MAX_SUGGESTIONS,
  mentionIdsIn,
  mentionQueryAt,
  mentionSegments,
  mentionSuggestions,
} from '../../src/messaging/mentions.js';

const member = (id: string, displayName: string): Member => ({ id, displayName, role: 'member' });
const MEMBERS = [
  member('me', 'Maya'),
  member('ada', 'Ada Lovelace'),
  member('adam', 'Adam'),
  member('bob', 'Bob Adams'),
  member('cyd', 'Cyd'),
];

describe('the mention being typed', () => {
  it('is an @ at the start or after a space, up to the caret', () => {
    expect(mentionQueryAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQueryAt('hi @Ad', 6)).toEqual({ start: 3, query: 'Ad' });
    expect(mentionQueryAt('hi (@Ad', 7)).toEqual({ start: 4, query: 'Ad' });
    // Names have spaces: "@Ada Lo" is still one query.
    expect(mentionQueryAt('hi @Ada Lo', 10)).toEqual({ start: 3, query: 'Ada Lo' });
    // Only what is before the caret counts.
    expect(mentionQueryAt('hi @Ada there', 6)).toEqual({ start: 3, query: 'Ad' });
  });

  it('is not an email address, a new line, a space right after @, or text without @', () => {
    expect(mentionQueryAt('mail ada@example.com', 20)).toBeUndefined();
    expect(mentionQueryAt('@Ada\nnext', 9)).toBeUndefined();
    expect(mentionQueryAt('@ Ada', 5)).toBeUndefined();
    expect(mentionQueryAt('hello', 5)).toBeUndefined();
    expect(mentionQueryAt(`@${'a'.repeat(65)}`, 66)).toBeUndefined();
  });
});

describe('suggestions', () => {
  it('match the start of the name first, then the start of any word, never the user', () => {
    expect(mentionSuggestions(MEMBERS, 'ad', 'me').map((m) => m.id)).toEqual(['ada', 'adam', 'bob']);
    expect(mentionSuggestions(MEMBERS, 'LOVE', 'me').map((m) => m.id)).toEqual(['ada']);
    expect(mentionSuggestions(MEMBERS, 'ma', 'me')).toEqual([]);
    expect(mentionSuggestions(MEMBERS, '', 'me').map((m) => m.id)).toEqual(['ada', 'adam', 'bob', 'cyd']);
    expect(mentionSuggestions(MEMBERS, 'zed', 'me')).toEqual([]);
  });

  it('show a bounded number', () => {
    const many = Array.from({ length: 30 }, (_, i) => member(`u${i}`, `User ${i}`));
    expect(mentionSuggestions(many, 'us', 'me')).toHaveLength(MAX_SUGGESTIONS);
  });
});

describe('inserting a mention', () => {
  it('replaces the typed @query with @Name and a space, and puts the caret after it', () => {
    const text = 'hi @ad how are you';
    const query = mentionQueryAt(text, 6);
    if (!query) throw new Error('no query');
    expect(insertMention(text, query, 6, 'Ada Lovelace')).toEqual({
      text: 'hi @Ada Lovelace how are you',
      caret: 17,
    });
    expect(insertMention('@', { start: 0, query: '' }, 1, 'Cyd')).toEqual({ text: '@Cyd ', caret: 5 });
  });
});

describe('mentions at send', () => {
  const picked = [
    { id: 'ada', name: 'Ada Lovelace' },
    { id: 'cyd', name: 'Cyd' },
    { id: 'ada', name: 'Ada Lovelace' },
  ];
  it('are the picked people whose @Name is still in the text, once each', () => {
    expect(mentionIdsIn('@Ada Lovelace and @Cyd', picked)).toEqual(['ada', 'cyd']);
    // Deleted from the text, or changed into another word: not mentioned.
    expect(mentionIdsIn('@Ada Lovelace and Cyd', picked)).toEqual(['ada']);
    expect(mentionIdsIn('@Cydney', picked)).toEqual([]);
    expect(mentionIdsIn('@Cyd, hi', picked)).toEqual(['cyd']);
  });
});

describe('mentions in a message', () => {
  it('cut the text into plain parts and mentions, the longest name winning', () => {
    const people = [
      { id: 'ada', name: 'Ada' },
      { id: 'adal', name: 'Ada Lovelace' },
    ];
    expect(mentionSegments('hi @Ada Lovelace and @Ada!', people)).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', text: '@Ada Lovelace', userId: 'adal' },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@Ada', userId: 'ada' },
      { kind: 'text', text: '!' },
    ]);
  });

  it('leave names that are not whole, unknown or absent as text (markup stays text too)', () => {
    const people = [{ id: 'ada', name: 'Ada' }];
    expect(mentionSegments('@Adam <b>@x</b> mail@Ada', people)).toEqual([
      { kind: 'text', text: '@Adam <b>@x</b> mail' },
      { kind: 'mention', text: '@Ada', userId: 'ada' },
    ]);
    expect(mentionSegments('no names here', people)).toEqual([{ kind: 'text', text: 'no names here' }]);
    expect(mentionSegments('', people)).toEqual([]);
  });
});
