import { reactionEmoji } from '@parley/contract';
import { rememberEmoji } from '../realtime/reactions.js';

const KEY = 'parley.recentReactions';

/** The emoji this browser reacted with lately, newest first (nothing when storage is unavailable). */
export function recentEmoji(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    if (!Array.isArray(stored)) return [];
    return stored.filter(
      (entry): entry is string => typeof entry === 'string' && reactionEmoji(entry) === entry,
    );
  } catch {
    return [];
  }
}

/** Puts an emoji first among the recent ones. */
export function noteEmoji(emoji: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(rememberEmoji(recentEmoji(), emoji)));
  } catch {
    // Storage full or disabled: the picker just shows no recent emoji.
  }
}
