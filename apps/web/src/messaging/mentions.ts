import type { Member } from '@parley/contract';

/**
 * Mentions in the composer and in messages, as pure functions over text: the composer records who was
 * picked (id and the name inserted), sends the ids whose `@Name` is still in the text, and messages show
 * each mentioned person's `@Name` highlighted. Nothing here builds HTML: callers render the segments as
 * React text nodes.
 */

/** Longest text after `@` that is still looked up (names are at most this long anyway). */
const MAX_QUERY = 64;
/** Suggestions shown at once. */
export const MAX_SUGGESTIONS = 8;

/** The `@…` being typed before the caret: where its `@` is and the text after it. */
export interface MentionQuery {
  readonly start: number;
  readonly query: string;
}

const fold = (text: string) => text.normalize('NFKC').toLocaleLowerCase();

/**
 * The mention being typed at `caret`, if any: an `@` at the start of the text or after a space or an
 * opening bracket, followed by at most MAX_QUERY characters that hold no line break and do not start with
 * a space.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return undefined;
  const query = before.slice(at + 1);
  if (query.length > MAX_QUERY || /[\r\n]/.test(query) || /^\s/.test(query)) return undefined;
  const previous = at === 0 ? '' : before.charAt(at - 1);
  if (previous !== '' && !/[\s([{"'«“]/u.test(previous)) return undefined;
  return { start: at, query };
}

/**
 * Members whose name matches what was typed (its start, or the start of any word of it), best first:
 * whole-name prefix matches before word matches, then by name. The user is left out.
 */
export function mentionSuggestions(members: readonly Member[], query: string, me: string): Member[] {
  const wanted = fold(query.trim());
  const scored: { member: Member; rank: number }[] = [];
  for (const member of members) {
    if (member.id === me) continue;
    const name = fold(member.displayName);
    const rank = name.startsWith(wanted)
      ? 0
      : name.split(/\s+/u).some((word) => word.startsWith(wanted))
        ? 1
        : -1;
    if (rank >= 0) scored.push({ member, rank });
  }
  return scored
    .sort((a, b) => a.rank - b.rank || a.member.displayName.localeCompare(b.member.displayName))
    .slice(0, MAX_SUGGESTIONS)
    .map((entry) => entry.member);
}

/** The text with the typed `@query` (from `query.start` to `caret`) replaced by `@Name `, and the new caret. */
export function insertMention(
  text: string,
  query: MentionQuery,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret);
  // One space between the name and what follows: none doubled when the text goes on with a space.
  const next = `${text.slice(0, query.start)}${inserted}${rest.startsWith(' ') ? rest.slice(1) : rest}`;
  return { text: next, caret: query.start + inserted.length };
}

/** A person picked from the suggestions: their id and the name that was inserted. */
export interface PickedMention {
  readonly id: string;
  readonly name: string;
}

/** Whether `@name` stands at `at` as a whole mention (not followed by more letters of a longer word). */
function isMentionAt(text: string, at: number, name: string): boolean {
  if (!text.startsWith(`@${name}`, at)) return false;
  const after = text.charAt(at + 1 + name.length);
  return after === '' || !/[\p{L}\p{N}_]/u.test(after);
}

/** Whether `@name` stands anywhere in the text as a whole mention. */
function hasMention(text: string, name: string): boolean {
  for (let at = text.indexOf(`@${name}`); at >= 0; at = text.indexOf(`@${name}`, at + 1)) {
    if (isMentionAt(text, at, name)) return true;
  }
  return false;
}

/** Ids of the picked people whose `@Name` is still in the text at send, each once. */
export function mentionIdsIn(text: string, picked: readonly PickedMention[]): string[] {
  const ids = new Set<string>();
  for (const mention of picked) if (hasMention(text, mention.name)) ids.add(mention.id);
  return [...ids];
}

/** A piece of message text: plain text, or the `@Name` of a mentioned person. */
export type MentionSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly userId: string };

/**
 * Message text cut into plain text and mentions: every `@Name` of a mentioned person (longest names
 * first, so "@Ada Lovelace" wins over "@Ada"). Names that are not in the text (renamed since, or removed
 * by an edit) are simply not highlighted.
 */
export function mentionSegments(
  body: string,
  mentioned: readonly { id: string; name: string }[],
): MentionSegment[] {
  const names = [...mentioned].filter((m) => m.name !== '').sort((a, b) => b.name.length - a.name.length);
  const segments: MentionSegment[] = [];
  let plainStart = 0;
  let index = 0;
  while (index < body.length) {
    const at = body.indexOf('@', index);
    if (at < 0) break;
    const match = names.find((m) => isMentionAt(body, at, m.name));
    if (!match) {
      index = at + 1;
      continue;
    }
    if (at > plainStart) segments.push({ kind: 'text', text: body.slice(plainStart, at) });
    const end = at + 1 + match.name.length;
    segments.push({ kind: 'mention', text: body.slice(at, end), userId: match.id });
    plainStart = end;
    index = end;
  }
  if (plainStart < body.length) segments.push({ kind: 'text', text: body.slice(plainStart) });
  return segments;
}
