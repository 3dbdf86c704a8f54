import type { Message } from '@parley/contract';

/** The messages of one conversation the client holds: a seq-ordered, contiguous window ending at the newest. */
export interface Thread {
  readonly messages: readonly Message[];
  readonly history: 'unloaded' | 'loading' | 'loaded' | 'error';
  readonly historyError?: string;
  readonly hasMoreBefore: boolean;
  readonly loadingOlder: boolean;
  readonly olderError?: string;
}

export const EMPTY_THREAD: Thread = {
  messages: [],
  history: 'unloaded',
  hasMoreBefore: false,
  loadingOlder: false,
};

/**
 * Merges messages into a seq-ordered list: one entry per id (the copy with the higher `rev` wins, so a
 * late-arriving older copy never undoes an edit or delete), sorted by seq. Returns `current` itself when
 * nothing changed, so React can skip re-rendering. Replays after a reconnect, pages from the API and live
 * events all come through here, in any order and any number of times: each message is shown once.
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

/**
 * Where messages are missing (a safety net: seq has no gaps): the seq after which to fetch, for the first
 * hole between messages held, or for the tail when the server's newest (`lastSeq`) is beyond them.
 */
export function missingAfter(messages: readonly Message[], lastSeq = 0): number | undefined {
  for (let index = 1; index < messages.length; index++) {
    const previous = messages[index - 1];
    const next = messages[index];
    if (previous && next && next.seq > previous.seq + 1) return previous.seq;
  }
  const newest = messages.at(-1)?.seq ?? 0;
  return lastSeq > newest ? newest : undefined;
}

export type ThreadEvent =
  | { type: 'latest_loading' }
  | { type: 'latest_loaded'; messages: readonly Message[]; hasMore: boolean }
  | { type: 'failed'; error: string }
  | { type: 'older_loading' }
  | { type: 'older_loaded'; messages: readonly Message[]; hasMore: boolean }
  | { type: 'older_failed'; error: string }
  /** New messages, replays and gap fills: merged by id and rev, in seq order. */
  | { type: 'merged'; messages: readonly Message[] }
  /** An edit or delete: changes only a message held (older history is not loaded for it). */
  | { type: 'updated'; message: Message }
  /** The user deleted a message: shown deleted at once, until the server's copy (higher rev) arrives. */
  | { type: 'deleted'; messageId: string; at: string };

/** One thread after an event; the same object when nothing changed. */
export function reduceThread(thread: Thread, event: ThreadEvent): Thread {
  switch (event.type) {
    case 'latest_loading':
      return { ...thread, history: 'loading', historyError: undefined };
    case 'latest_loaded':
      return {
        ...thread,
        messages: mergeMessages(thread.messages, event.messages),
        history: 'loaded',
        hasMoreBefore: event.hasMore,
      };
    case 'failed':
      return { ...thread, history: 'error', historyError: event.error };
    case 'older_loading':
      return { ...thread, loadingOlder: true, olderError: undefined };
    case 'older_loaded':
      return {
        ...thread,
        messages: mergeMessages(thread.messages, event.messages),
        hasMoreBefore: event.hasMore,
        loadingOlder: false,
      };
    case 'older_failed':
      return { ...thread, loadingOlder: false, olderError: event.error };
    case 'merged': {
      const messages = mergeMessages(thread.messages, event.messages);
      return messages === thread.messages ? thread : { ...thread, messages };
    }
    case 'updated': {
      if (!thread.messages.some((m) => m.id === event.message.id)) return thread;
      const messages = mergeMessages(thread.messages, [event.message]);
      return messages === thread.messages ? thread : { ...thread, messages };
    }
    case 'deleted':
      return {
        ...thread,
        messages: thread.messages.map((m) =>
          m.id === event.messageId ? { ...m, body: '', attachments: [], deletedAt: event.at } : m,
        ),
      };
  }
}

/** Where the next `resume` starts for a conversation: the newest seq and rev seen. */
export interface ResumePoint {
  seq: number;
  rev: number;
}

/**
 * The resume point after a live message: a new one moves seq and rev; an edit or delete moves only rev, so
 * the replay still covers newer messages not seen yet. An `ack` moves nothing: our own message also comes
 * as a live event in its turn, and jumping ahead to it could skip others' messages still on their way.
 */
export function advance(point: ResumePoint, message: Message, kind: 'new' | 'update' | 'ack'): ResumePoint {
  if (kind === 'update') return { seq: point.seq, rev: Math.max(point.rev, message.rev) };
  if (kind === 'ack') return point;
  return { seq: Math.max(point.seq, message.seq), rev: Math.max(point.rev, message.rev) };
}
