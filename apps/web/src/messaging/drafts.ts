/**
 * Unsent text per conversation, kept in this browser's localStorage so it survives moving to another
 * conversation and reloading: one key per user and conversation, removed when the message is sent (or
 * the text emptied) and all of them when the user signs out (`clearDrafts`, from the session). Storage
 * that is full or disabled only means drafts are not kept.
 */

const PREFIX = 'parley.draft.';

/** The part of the Storage interface drafts use (a parameter so unit tests can pass their own). */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

function browserStorage(): DraftStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function draftKey(userId: string, conversationId: string): string {
  return `${PREFIX}${encodeURIComponent(userId)}:${encodeURIComponent(conversationId)}`;
}

export function loadDraft(
  userId: string,
  conversationId: string,
  storage: DraftStorage | undefined = browserStorage(),
): string {
  try {
    return storage?.getItem(draftKey(userId, conversationId)) ?? '';
  } catch {
    return '';
  }
}

/** Keeps `text` as the draft; an empty (or blank) text removes it. */
export function saveDraft(
  userId: string,
  conversationId: string,
  text: string,
  storage: DraftStorage | undefined = browserStorage(),
): void {
  try {
    const key = draftKey(userId, conversationId);
    if (text.trim() === '') storage?.removeItem(key);
    else storage?.setItem(key, text);
  } catch {
    // Full or disabled: the draft is simply not kept.
  }
}

/** Removes every draft kept in this browser (on sign-out: the next person here must not see them). */
export function clearDrafts(storage: DraftStorage | undefined = browserStorage()): void {
  if (!storage) return;
  try {
    const keys: string[] = [];
    for (let index = 0; index < storage.length; index++) {
      const key = storage.key(index);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch {
    // Disabled storage holds no drafts.
  }
}
