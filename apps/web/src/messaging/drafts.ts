import type { PickedMention } from './mentions.js';

/**
 * Unsent text per conversation, kept in this browser's localStorage so it survives moving to another
 * conversation and reloading: one key per user and conversation (and one for the people picked as
 * mentions in it), removed when the message is sent (or the text emptied) and all of them when the user
 * signs out (`clearDrafts`, from the session). Storage that is full or disabled only means drafts are not
 * kept.
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

/** The key of the people picked as mentions in a draft (ids are URI-encoded, so no id ends like this). */
function mentionsKey(userId: string, conversationId: string): string {
  return `${draftKey(userId, conversationId)}:mentions`;
}

/** Who was picked with `@` in the draft (their `@Name` may or may not still be in its text). */
export function loadDraftMentions(
  userId: string,
  conversationId: string,
  storage: DraftStorage | undefined = browserStorage(),
): PickedMention[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(mentionsKey(userId, conversationId)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isPickedMention) : [];
  } catch {
    return [];
  }
}

function isPickedMention(value: unknown): value is PickedMention {
  const mention = value as Partial<PickedMention> | null;
  return typeof mention?.id === 'string' && typeof mention.name === 'string';
}

/** Keeps who was picked with `@` in the draft; nobody removes the key. */
export function saveDraftMentions(
  userId: string,
  conversationId: string,
  mentions: readonly PickedMention[],
  storage: DraftStorage | undefined = browserStorage(),
): void {
  try {
    const key = mentionsKey(userId, conversationId);
    if (mentions.length === 0) storage?.removeItem(key);
    else storage?.setItem(key, JSON.stringify(mentions.map(({ id, name }) => ({ id, name }))));
  } catch {
    // Full or disabled: the mentions are simply not kept.
  }
}

/** Keeps `text` as the draft; an empty (or blank) text removes it, and the mentions picked in it. */
export function saveDraft(
  userId: string,
  conversationId: string,
  text: string,
  storage: DraftStorage | undefined = browserStorage(),
): void {
  try {
    const key = draftKey(userId, conversationId);
    if (text.trim() === '') {
      storage?.removeItem(key);
      storage?.removeItem(mentionsKey(userId, conversationId));
    } else storage?.setItem(key, text);
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
