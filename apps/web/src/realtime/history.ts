import type { Message, ResumePosition } from '@parley/contract';
import { withReaction } from './reactions.js';

/**
 * The messages of one conversation the client holds: a seq-ordered window ending at the newest,
 * contiguous except after the seqs in `holes` (a page loaded `around` an older message, for a jump to a
 * reply's original: the messages between it and the rest are not loaded yet).
 */
export interface Thread {
  readonly messages: readonly Message[];
  readonly history: 'unloaded' | 'loading' | 'loaded' | 'error';
  readonly historyError?: string;
  readonly hasMoreBefore: boolean;
  readonly loadingOlder: boolean;
  readonly olderError?: string;
  /** Seqs of held messages after which newer ones are knowingly not loaded yet, ascending. */
  readonly holes: readonly number[];
  /** The hole (its seq) whose messages are loading, if any. */
  readonly loadingGap?: number | undefined;
  readonly gapError?: string | undefined;
}

export const EMPTY_THREAD: Thread = {
  messages: [],
  history: 'unloaded',
  hasMoreBefore: false,
  loadingOlder: false,
  holes: [],
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
 * gap between messages held that is not a known hole, or for the tail when the server's newest
 * (`lastSeq`) is beyond them.
 */
export function missingAfter(
  messages: readonly Message[],
  lastSeq = 0,
  holes: readonly number[] = [],
): number | undefined {
  for (let index = 1; index < messages.length; index++) {
    const previous = messages[index - 1];
    const next = messages[index];
    if (previous && next && next.seq > previous.seq + 1 && !holes.includes(previous.seq)) return previous.seq;
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
  | { type: 'deleted'; messageId: string; at: string }
  /** A page `around` a message (a jump to it): merged, with the gaps it leaves recorded as holes. */
  | {
      type: 'around_loaded';
      messages: readonly Message[];
      hasMore: boolean;
      hasMoreAfter: boolean;
    }
  | { type: 'gap_loading'; after: number }
  /** Messages after a hole's seq: the hole shrinks to the gap that is left, if any. */
  | { type: 'gap_loaded'; after: number; messages: readonly Message[] }
  | { type: 'gap_failed'; error: string }
  /**
   * The user added (`on`) or removed a reaction: shown at once on a held message, until the server's
   * copy (higher rev) arrives; undone with the opposite event when the request fails.
   */
  | { type: 'reacted'; messageId: string; emoji: string; userId: string; on: boolean };

/** Holes that still lie before a gap among `messages`, plus `added`, ascending and each once. */
function holesIn(messages: readonly Message[], holes: readonly number[], added: readonly number[] = []) {
  const candidates = new Set([...holes, ...added]);
  if (candidates.size === 0) return holes;
  const kept: number[] = [];
  for (let index = 0; index + 1 < messages.length; index++) {
    const seq = messages[index]?.seq ?? 0;
    if (candidates.has(seq) && (messages[index + 1]?.seq ?? 0) > seq + 1) kept.push(seq);
  }
  return kept.length === holes.length && kept.every((seq, i) => seq === holes[i]) ? holes : kept;
}

/** The gaps a page leaves on either side among the held messages: the seqs they follow. */
function gapsAround(messages: readonly Message[], page: readonly Message[]): number[] {
  const first = page[0]?.seq;
  const last = page.at(-1)?.seq;
  if (first === undefined || last === undefined) return [];
  const before = messages.filter((m) => m.seq < first).at(-1)?.seq;
  const after = messages.find((m) => m.seq > last)?.seq;
  return [
    ...(before !== undefined && before < first - 1 ? [before] : []),
    ...(after !== undefined && after > last + 1 ? [last] : []),
  ];
}

/** `thread` with `messages` merged; holes no gap is left behind go. */
function merged(thread: Thread, messages: readonly Message[]): Thread {
  const next = mergeMessages(thread.messages, messages);
  if (next === thread.messages) return thread;
  const holes = holesIn(next, thread.holes);
  return { ...thread, messages: next, holes };
}

/** One thread after an event; the same object when nothing changed. */
export function reduceThread(thread: Thread, event: ThreadEvent): Thread {
  switch (event.type) {
    case 'latest_loading':
      return { ...thread, history: 'loading', historyError: undefined };
    case 'latest_loaded':
      return { ...merged(thread, event.messages), history: 'loaded', hasMoreBefore: event.hasMore };
    case 'failed':
      return { ...thread, history: 'error', historyError: event.error };
    case 'older_loading':
      return { ...thread, loadingOlder: true, olderError: undefined };
    case 'older_loaded':
      return { ...merged(thread, event.messages), hasMoreBefore: event.hasMore, loadingOlder: false };
    case 'older_failed':
      return { ...thread, loadingOlder: false, olderError: event.error };
    case 'merged':
      return merged(thread, event.messages);
    case 'updated': {
      if (!thread.messages.some((m) => m.id === event.message.id)) return thread;
      return merged(thread, [event.message]);
    }
    case 'deleted':
      return {
        ...thread,
        messages: thread.messages.map((m) =>
          m.id === event.messageId
            ? { ...m, body: '', attachments: [], reactions: [], mentionIds: [], deletedAt: event.at }
            : m,
        ),
      };
    case 'around_loaded': {
      const page = [...event.messages].sort((a, b) => a.seq - b.seq);
      const messages = mergeMessages(thread.messages, page);
      const oldest = thread.messages[0]?.seq;
      const first = page[0]?.seq;
      // The page is the new start of the thread: whether older ones exist is the page's to say.
      const atStart = first !== undefined && (oldest === undefined || first <= oldest);
      return {
        ...thread,
        messages,
        holes: holesIn(messages, thread.holes, gapsAround(thread.messages, page)),
        history: thread.history === 'unloaded' ? 'loaded' : thread.history,
        hasMoreBefore: atStart ? event.hasMore : thread.hasMoreBefore,
      };
    }
    case 'gap_loading':
      return { ...thread, loadingGap: event.after, gapError: undefined };
    case 'gap_loaded': {
      const page = [...event.messages].sort((a, b) => a.seq - b.seq);
      const messages = mergeMessages(thread.messages, page);
      const last = page.at(-1)?.seq;
      // What is still missing after this page is the hole now; an empty page leaves no known hole.
      const holes = holesIn(
        messages,
        thread.holes.filter((seq) => seq !== event.after),
        last !== undefined && last > event.after ? [last] : [],
      );
      return { ...thread, messages, holes, loadingGap: undefined };
    }
    case 'gap_failed':
      return { ...thread, loadingGap: undefined, gapError: event.error };
    case 'reacted': {
      let changed = false;
      const messages = thread.messages.map((m) => {
        if (m.id !== event.messageId || m.deletedAt !== null) return m;
        const reactions = withReaction(m.reactions, event.emoji, event.userId, event.on);
        if (reactions === m.reactions) return m;
        changed = true;
        return { ...m, reactions: [...reactions] };
      });
      return changed ? { ...thread, messages } : thread;
    }
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

/** What a `resume` names: the resume point of each of these conversations that has one. */
export function resumePositions(
  conversations: readonly { readonly id: string }[],
  points: ReadonlyMap<string, ResumePoint>,
): Record<string, ResumePosition> {
  const positions: Record<string, ResumePosition> = {};
  for (const { id } of conversations) {
    const point = points.get(id);
    if (point) positions[id] = { seq: point.seq, rev: point.rev };
  }
  return positions;
}
