import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/client.js';
import type { Thread } from '../realtime/history.js';
import type { MessagingStore } from '../realtime/messaging-store.js';

/** The message a search result links to (`?message=<seq>`), if the URL names one. */
export function linkedSeq(search: string): number | undefined {
  const value = new URLSearchParams(search).get('message');
  if (value === null || !/^[1-9]\d{0,15}$/.test(value)) return undefined;
  const seq = Number(value);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** A search result to show: its seq, and the navigation that asked (each one shows it again). */
export interface LinkedMessage {
  readonly seq: number;
  readonly visit: number;
}

interface MessageJumpOptions {
  store: MessagingStore;
  conversationId: string;
  /** The thread's scrolling region, where the message is looked for by its `data-seq`. */
  scroller: RefObject<HTMLElement | null>;
  /** Whether the view follows the newest messages: a jump stops that. */
  stick: RefObject<boolean>;
  /** The search result the URL names, if any. */
  linked: LinkedMessage | undefined;
  history: Thread['history'];
}

/**
 * Jumping to a message: a reply's original or a search result, shown (loaded around it first when it is
 * not held), marked and focused. A reply's original is marked for a moment; a search result stays marked
 * (`sticky`) while the URL names it.
 */
export function useMessageJump({
  store,
  conversationId,
  scroller,
  stick,
  linked,
  history,
}: MessageJumpOptions) {
  /** The message jumped to: a reply's original (marked for a moment) or a search result (`sticky`). */
  const [target, setTarget] = useState<{ seq: number; sticky: boolean }>();
  const [jumpProblem, setJumpProblem] = useState<string>();

  const jumpTo = useCallback(
    (seq: number, sticky = false) => {
      setJumpProblem(undefined);
      stick.current = false;
      store.jumpTo(conversationId, seq).then(
        (found) =>
          found
            ? setTarget({ seq, sticky })
            : setJumpProblem(
                sticky ? 'The message could not be found.' : 'The original message could not be found.',
              ),
        (error: unknown) => setJumpProblem(describeError(error)),
      );
    },
    [store, conversationId, stick],
  );
  useEffect(() => {
    if (!target) return;
    const element = scroller.current?.querySelector<HTMLElement>(`[data-seq="${target.seq}"]`);
    element?.scrollIntoView({ block: 'center' });
    element?.focus({ preventScroll: true });
    if (target.sticky) return;
    const timer = window.setTimeout(() => setTarget(undefined), 3000);
    return () => window.clearTimeout(timer);
  }, [target, scroller]);

  // A search result (`?message=`): once the thread is loaded, each visit jumps to its message; leaving
  // for the plain conversation drops the mark.
  const shownVisit = useRef<number>(undefined);
  useEffect(() => {
    if (!linked) {
      setTarget((current) => (current?.sticky ? undefined : current));
      return;
    }
    if (history !== 'loaded' || shownVisit.current === linked.visit) return;
    shownVisit.current = linked.visit;
    jumpTo(linked.seq, true);
  }, [linked, history, jumpTo]);

  return { target, jumpTo, jumpProblem };
}
