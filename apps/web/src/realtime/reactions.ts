import { type Message, type Reaction, type ReplyTo, replyExcerpt } from '@parley/contract';

/**
 * A message's reactions with one user's reaction set (`on`) or cleared: what the user sees at once after a
 * click, before the server's copy (a higher `rev`) replaces it. Setting what is already so returns the
 * same array. A new emoji goes last, as the server orders emoji by first use.
 */
export function withReaction(
  reactions: readonly Reaction[],
  emoji: string,
  userId: string,
  on: boolean,
): readonly Reaction[] {
  const existing = reactions.find((reaction) => reaction.emoji === emoji);
  const has = existing?.userIds.includes(userId) ?? false;
  if (has === on) return reactions;
  if (on) {
    if (!existing) return [...reactions, { emoji, count: 1, userIds: [userId] }];
    return reactions.map((reaction) =>
      reaction === existing
        ? { ...reaction, count: reaction.count + 1, userIds: [...reaction.userIds, userId] }
        : reaction,
    );
  }
  return reactions.flatMap((reaction) => {
    if (reaction !== existing) return [reaction];
    const userIds = reaction.userIds.filter((id) => id !== userId);
    return userIds.length === 0 ? [] : [{ ...reaction, count: userIds.length, userIds }];
  });
}

/** Whether the user has reacted to a message with this emoji. */
export function hasReacted(message: Message, emoji: string, userId: string): boolean {
  return message.reactions.some((reaction) => reaction.emoji === emoji && reaction.userIds.includes(userId));
}

/** Emoji the user reacted with lately, newest first, each once, at most `max`. */
export function rememberEmoji(recent: readonly string[], emoji: string, max = 8): string[] {
  return [emoji, ...recent.filter((entry) => entry !== emoji)].slice(0, max);
}

/**
 * Who reacted, in words, for the chip's tooltip: "You", "You and Ada", "Ada, Bob and Cyd",
 * "You, Ada, Bob, Cyd and 4 others". The viewer (`me`, named "You") comes first, the others in the order
 * they reacted; `nameOf` names everyone else.
 */
export function reactedBy(
  reaction: Reaction,
  me: string,
  nameOf: (userId: string) => string,
  shown = 5,
): string {
  const others = reaction.userIds.filter((id) => id !== me).map(nameOf);
  const names = reaction.userIds.includes(me) ? ['You', ...others] : others;
  const listed = names.slice(0, names.length > shown ? shown - 1 : shown);
  const rest = names.length - listed.length;
  if (rest > 0) return `${listed.join(', ')} and ${rest} ${rest === 1 ? 'other' : 'others'}`;
  if (listed.length <= 1) return listed[0] ?? '';
  return `${listed.slice(0, -1).join(', ')} and ${listed.at(-1)}`;
}

/**
 * A reply's quote as it is now: the server wrote `replyTo` when the reply was read, and the original may
 * have been edited or deleted since (which changes the original's rev, not the reply's). When the thread
 * holds the original, its current text and state win.
 */
export function currentQuote(replyTo: ReplyTo, original: Message | undefined): ReplyTo {
  if (!original || original.id !== replyTo.id) return replyTo;
  const deleted = original.deletedAt !== null;
  const excerpt = deleted ? '' : replyExcerpt(original.body);
  if (deleted === replyTo.deleted && excerpt === replyTo.excerpt) return replyTo;
  return { ...replyTo, deleted, excerpt };
}
