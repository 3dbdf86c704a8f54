import type { Conversation, Message } from '@parley/contract';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Thread } from '../realtime/history.js';
import type { MessagingStore } from '../realtime/messaging-store.js';
import type { OutboxItem } from '../realtime/outbox.js';

const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 200;
/** Up to this many unread messages are loaded page by page to land on the first; more: a page around it. */
const LAND_BY_PAGES_MAX = 200;

interface ThreadScrollOptions {
  store: MessagingStore;
  conversation: Conversation;
  thread: Thread | undefined;
  /** The thread's messages as the screen renders them. */
  messages: readonly Message[];
  /** This conversation's pending sends, shown under the messages. */
  outbox: readonly OutboxItem[];
  me: string;
  /** Opened for one message (a search result): that message is where the view goes, not the first unread. */
  openedForMessage: boolean;
}

/**
 * The thread's scrolling: it sticks to the bottom, keeps its position when older messages are prepended,
 * loads older ones near the top, and first lands on the "New messages" divider (loading history back to
 * the first unread when it is not held). It marks the conversation read when the newest messages are in
 * view, and counts the messages that arrived while the reader was away from them (the "N new messages" /
 * "Jump to latest" pill).
 */
export function useThreadScroll({
  store,
  conversation,
  thread,
  messages,
  outbox,
  me,
  openedForMessage,
}: ThreadScrollOptions) {
  // --- unread: where the user's read marker was when the conversation opened (before it is moved) ---
  const [unreadAfter] = useState(() =>
    conversation.unreadCount > 0 && conversation.lastSeq > conversation.lastReadSeq
      ? conversation.lastReadSeq
      : undefined,
  );

  // --- scrolling: stick to the bottom, keep position when older messages are prepended ---
  const scroller = useRef<HTMLElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const divider = useRef<HTMLLIElement>(null);
  // With unread messages the view first lands on the "New messages" divider, not at the bottom — unless
  // it was opened for one message (a search result): then that message is where it goes.
  const [skipLanding] = useState(() => unreadAfter === undefined || openedForMessage);
  const landing = useRef<'pending' | 'loading' | 'done'>(skipLanding ? 'done' : 'pending');
  const stick = useRef(skipLanding);
  const snapshot = useRef({ height: 0, top: 0, firstSeq: 0 });
  const firstSeq = messages[0]?.seq ?? 0;
  const newestSeq = messages.at(-1)?.seq ?? 0;
  // Whether the reader is away from the newest messages, and the newest seq they have been at the bottom for.
  const [away, setAway] = useState(false);
  const [seenUpTo, setSeenUpTo] = useState(unreadAfter ?? Number.POSITIVE_INFINITY);
  // Bumped when history around the first unread has loaded, so the landing is tried again.
  const [landTick, setLandTick] = useState(0);

  const remember = () => {
    const element = scroller.current;
    if (element) snapshot.current = { height: element.scrollHeight, top: element.scrollTop, firstSeq };
  };

  const landed = () => landing.current === 'done';

  const markReadIfVisible = useCallback(() => {
    if (document.visibilityState === 'visible' && stick.current) store.markRead(conversation.id);
  }, [store, conversation.id]);

  /** Lands on the first unread message: the divider at the top, or loads history around it first. */
  const land = (element: HTMLElement): boolean => {
    if (landing.current !== 'pending' || thread?.history !== 'loaded') return false;
    const mark = divider.current;
    if (mark) {
      element.scrollTop += mark.getBoundingClientRect().top - element.getBoundingClientRect().top - 8;
      landing.current = 'done';
      stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
      setAway(!stick.current);
      // All of it fits: read (the messages may not change again to trigger it).
      markReadIfVisible();
      return true;
    }
    const first = messages[0]?.seq;
    if (
      unreadAfter !== undefined &&
      first !== undefined &&
      first > unreadAfter + 1 &&
      thread.hasMoreBefore &&
      !thread.olderError
    ) {
      // More unread than the newest page holds: older pages until the first unread is held, or, when it
      // is far back, a page around it (the messages between stay a hole, loaded on request).
      landing.current = 'loading';
      const far = first - (unreadAfter + 1) > LAND_BY_PAGES_MAX;
      (far ? store.jumpTo(conversation.id, unreadAfter + 1) : store.loadOlder(conversation.id)).then(
        () => {
          landing.current = 'pending';
          setLandTick((tick) => tick + 1);
        },
        () => {
          landing.current = 'done';
          stick.current = true;
          setAway(false);
        },
      );
      return true;
    }
    // Nothing unread from anyone else is held: the newest messages, as usual.
    landing.current = 'done';
    stick.current = true;
    markReadIfVisible();
    return false;
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after every change of what is listed.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (landing.current !== 'done' && (land(element) || !landed())) {
      remember();
      return;
    }
    const before = snapshot.current;
    if (before.firstSeq !== 0 && firstSeq < before.firstSeq && !stick.current) {
      element.scrollTop = before.top + (element.scrollHeight - before.height);
    } else if (stick.current) {
      element.scrollTop = element.scrollHeight;
    }
    remember();
  }, [messages, outbox, firstSeq, thread?.history, landTick]);

  // At the bottom, everything up to the newest message counts as seen (for the "N new messages" pill).
  useEffect(() => {
    if (!away && landing.current === 'done') setSeenUpTo(newestSeq);
  }, [away, newestSeq]);
  const newCount = useMemo(() => {
    let count = messages.filter((m) => m.seq > seenUpTo && m.senderId !== me && !m.deletedAt).length;
    // Messages in a hole (not loaded) after what was seen count too: seqs have no gaps.
    for (const hole of thread?.holes ?? []) {
      const next = messages.find((m) => m.seq > hole)?.seq;
      if (next !== undefined && hole >= seenUpTo) count += next - hole - 1;
    }
    return count;
  }, [messages, seenUpTo, me, thread?.holes]);

  // Anything that changes height after that layout — a "Seen" line, an image loading, a message growing,
  // the typing line or the composer taking room — keeps a reader who was at the bottom at the bottom.
  // A ResizeObserver runs after layout and before paint, so the newest line is never shown cut off.
  useEffect(() => {
    const element = scroller.current;
    const content = list.current;
    if (!element || !content) return;
    const observer = new ResizeObserver(() => {
      if (stick.current) element.scrollTop = element.scrollHeight;
      snapshot.current = { ...snapshot.current, height: element.scrollHeight, top: element.scrollTop };
    });
    observer.observe(element);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: new messages are the trigger, not an input.
  useEffect(() => {
    markReadIfVisible();
  }, [markReadIfVisible, messages]);

  useEffect(() => {
    document.addEventListener('visibilitychange', markReadIfVisible);
    return () => document.removeEventListener('visibilitychange', markReadIfVisible);
  }, [markReadIfVisible]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    const wasStuck = stick.current;
    stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
    if (landing.current === 'done') setAway(!stick.current);
    remember();
    if (stick.current && !wasStuck) markReadIfVisible();
    if (
      element.scrollTop < NEAR_TOP_PX &&
      thread?.hasMoreBefore &&
      !thread.loadingOlder &&
      !thread.olderError
    ) {
      void store.loadOlder(conversation.id);
    }
  };

  /** The pill: back to the newest messages, which then count as read. */
  const jumpToLatest = () => {
    const element = scroller.current;
    if (!element) return;
    stick.current = true;
    element.scrollTop = element.scrollHeight;
    setAway(false);
    markReadIfVisible();
    element.focus({ preventScroll: true });
  };

  /** After the user sent a message: no landing any more, follow the newest messages. */
  const followLatest = () => {
    landing.current = 'done';
    stick.current = true;
    setAway(false);
  };

  return {
    /** Where the read marker was when the conversation opened (the "New messages" divider goes after it). */
    unreadAfter,
    /** The scrolling region, the message list in it, and the "New messages" divider. */
    scroller,
    list,
    divider,
    /** Whether the view follows the newest messages (cleared by a jump to an older one). */
    stick,
    /** Whether the reader is away from the newest messages (the pill shows), and how many came since. */
    away,
    newCount,
    onScroll,
    jumpToLatest,
    followLatest,
  };
}
