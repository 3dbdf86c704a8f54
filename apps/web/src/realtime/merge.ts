import type { Conversation, Message } from '@parley/contract';

/**
 * Merges messages into a seq-ordered list: one entry per id (the copy with the higher `rev` wins, so a
 * late-arriving older copy never undoes an edit or delete), sorted by seq. Returns `current` itself when
 * nothing changed, so React can skip re-rendering.
 */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  if (incoming.length === 0) return current;
  const byId = new Map<string, Message>();
  for (const message of current) byId.set(message.id, message);
  let changed = false;
  for (const message of incoming) {
    const existing = byId.get(message.id);
    if (existing && existing.rev >= message.rev) continue;
    byId.set(message.id, message);
    changed = true;
  }
  if (!changed) return current;
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The first hole in a seq-ordered list: the seq after which messages are missing, or undefined. */
export function firstGap(messages: readonly Message[]): number | undefined {
  for (let index = 1; index < messages.length; index++) {
    const previous = messages[index - 1];
    const next = messages[index];
    if (previous && next && next.seq > previous.seq + 1) return previous.seq;
  }
  return undefined;
}

/** When the conversation last saw activity, for "newest first". */
export function activityOf(conversation: Conversation): string {
  const last = conversation.lastMessage?.createdAt;
  return last && last > conversation.updatedAt ? last : conversation.updatedAt;
}

/** Newest activity first; ties by id, descending, as the API pages them, so the order is stable. */
export function byActivity(a: Conversation, b: Conversation): number {
  const left = activityOf(a);
  const right = activityOf(b);
  if (left !== right) return left < right ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
