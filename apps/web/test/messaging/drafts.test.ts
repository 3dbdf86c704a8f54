import { describe, expect, it } from 'vitest';
import {
  clearDrafts,
  type DraftStorage,
  draftKey,
  loadDraft,
  loadDraftMentions,
  saveDraft,
  saveDraftMentions,
} from '../../src/messaging/drafts.js';

/** An in-memory Storage, as the browser's behaves. */
function memoryStorage(): DraftStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get length() {
      return entries.size;
    },
    key: (index) => [...entries.keys()][index] ?? null,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, String(value)),
    removeItem: (key) => void entries.delete(key),
  };
}

describe('drafts', () => {
  it('keeps one draft per user and conversation', () => {
    const storage = memoryStorage();
    saveDraft('u1', 'c1', 'half a thought', storage);
    saveDraft('u1', 'c2', 'another', storage);
    saveDraft('u2', 'c1', 'someone else here', storage);
    expect(loadDraft('u1', 'c1', storage)).toBe('half a thought');
    expect(loadDraft('u1', 'c2', storage)).toBe('another');
    expect(loadDraft('u2', 'c1', storage)).toBe('someone else here');
    expect(loadDraft('u2', 'c2', storage)).toBe('');
    // Ids cannot run into each other through the separator.
    expect(draftKey('a.b', 'c')).not.toBe(draftKey('a', 'b.c'));
  });

  it('removes a draft emptied or sent (saved as blank)', () => {
    const storage = memoryStorage();
    saveDraft('u1', 'c1', 'text', storage);
    saveDraft('u1', 'c1', '  \n', storage);
    expect(storage.entries.size).toBe(0);
    expect(loadDraft('u1', 'c1', storage)).toBe('');
  });

  it('clears every draft on sign-out and leaves other keys alone', () => {
    const storage = memoryStorage();
    for (const id of ['c1', 'c2', 'c3']) saveDraft('u1', id, `draft ${id}`, storage);
    saveDraft('u2', 'c1', 'other user', storage);
    storage.setItem('parley.recentReactions', '["👍"]');
    clearDrafts(storage);
    expect([...storage.entries.keys()]).toEqual(['parley.recentReactions']);
  });

  it('keeps who was picked with @ beside the text, until the text is emptied, sent or signed out', () => {
    const storage = memoryStorage();
    const ben = { id: 'u-ben', name: 'Ben Ng' };
    saveDraft('u1', 'c1', 'Hi @Ben Ng', storage);
    saveDraftMentions('u1', 'c1', [ben], storage);
    expect(loadDraftMentions('u1', 'c1', storage)).toEqual([ben]);
    expect(loadDraftMentions('u1', 'c2', storage)).toEqual([]);
    expect(loadDraftMentions('u2', 'c1', storage)).toEqual([]);
    saveDraftMentions('u1', 'c1', [], storage);
    expect(loadDraftMentions('u1', 'c1', storage)).toEqual([]);
    saveDraftMentions('u1', 'c1', [ben], storage);
    saveDraft('u1', 'c1', ' ', storage);
    expect(storage.entries.size).toBe(0);
    saveDraft('u1', 'c1', 'Hi @Ben Ng', storage);
    saveDraftMentions('u1', 'c1', [ben], storage);
    clearDrafts(storage);
    expect(storage.entries.size).toBe(0);
  });

  it('reads only well-formed mentions back', () => {
    const storage = memoryStorage();
    storage.setItem(`${draftKey('u1', 'c1')}:mentions`, 'not json');
    expect(loadDraftMentions('u1', 'c1', storage)).toEqual([]);
    storage.setItem(
      `${draftKey('u1', 'c1')}:mentions`,
      JSON.stringify([{ id: 'a', name: 'A' }, { id: 1 }, null]),
    );
    expect(loadDraftMentions('u1', 'c1', storage)).toEqual([{ id: 'a', name: 'A' }]);
  });

  it('works without storage, and when storage throws', () => {
    const broken: DraftStorage = {
      length: 1,
      key: () => {
        throw new Error('denied');
      },
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadDraft('u1', 'c1', broken)).toBe('');
    expect(() => saveDraft('u1', 'c1', 'x', broken)).not.toThrow();
    expect(() => clearDrafts(broken)).not.toThrow();
    expect(loadDraft('u1', 'c1', undefined)).toBe('');
  });
});
