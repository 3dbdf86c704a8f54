import type { Conversation, Message } from '@parley/contract';
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../api/client.js';
import { LoadMore } from '../components/LoadMore.js';
import type { Thread } from '../realtime/history.js';
import type { MessagingState } from '../realtime/messaging-state.js';
import type { OutboxItem } from '../realtime/outbox.js';
import { typingUsers } from '../realtime/presence.js';
import { currentQuote } from '../realtime/reactions.js';
import { useListStatus, useMessaging, useMessagingStore } from '../realtime/use-messaging.js';
import { Link, useLocation } from '../router/router.js';
import { Composer } from './Composer.js';
import { ConversationMenu } from './ConversationMenu.js';
import { useHeadingFocus } from './heading-focus.js';
import { MembersPanel } from './MembersPanel.js';
import { MessageItem, PendingItem } from './MessageItem.js';
import { conversationName, memberName } from './names.js';
import { PresenceText, usePresence } from './PresenceDot.js';
import { SystemLine } from './SystemLine.js';
import { buildTimeline, dayLabel, isNewDay } from './timeline.js';
import './reading.css';

const EMPTY_OUTBOX: readonly OutboxItem[] = [];
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 200;
/** Up to this many unread messages are loaded page by page to land on the first; more: a page around it. */
const LAND_BY_PAGES_MAX = 200;

function ConnectionNotice() {
  const connection = useMessaging((state) => state.connection);
  // "Catching up" only after the connection was lost, not after a deliberate reconnect.
  const [lost, setLost] = useState(false);
  useEffect(() => {
    if (connection === 'offline' || connection === 'reconnecting') setLost(true);
    else if (connection === 'live') setLost(false);
  }, [connection]);
  let text: string | undefined;
  if (connection === 'offline')
    text = 'You’re offline. Messages you send will go out when you’re back online.';
  else if (connection === 'reconnecting') text = 'Connection lost. Reconnecting…';
  else if (connection === 'syncing' && lost) text = 'Catching up…';
  return (
    <div className={text ? 'connection-notice' : 'status-empty'} role="status">
      {text}
    </div>
  );
}

function typingText(state: MessagingState, conversation: Conversation, me: string): string {
  const users = typingUsers(state, conversation.id, me, Date.now()).map((id) =>
    memberName(conversation, id, me),
  );
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return 'Several people are typing…';
}

/** The message a search result links to (`?message=<seq>`), if the URL names one. */
export function linkedSeq(search: string): number | undefined {
  const value = new URLSearchParams(search).get('message');
  if (value === null || !/^[1-9]\d{0,15}$/.test(value)) return undefined;
  const seq = Number(value);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** A search result to show: its seq, and the navigation that asked (each one shows it again). */
interface LinkedMessage {
  readonly seq: number;
  readonly visit: number;
}

/**
 * One conversation: header, members, history (infinite scroll up), typing, the composer. With
 * `?message=<seq>` (a search result) it shows that message, loaded around it when it is not held
 * (`?around=`), marked and focused.
 */
export function ConversationView({ conversationId }: { conversationId: string }) {
  const store = useMessagingStore();
  const conversation = useMessaging((state) => state.conversations[conversationId]);
  const thread = useMessaging((state) => state.threads[conversationId]);
  const removed = useMessaging((state) => Boolean(state.removed[conversationId]));
  const listStatus = useListStatus().status;
  const location = useLocation();
  const seq = linkedSeq(location.search);
  const linked = useMemo(
    () => (seq === undefined ? undefined : { seq, visit: location.key }),
    [seq, location.key],
  );

  useEffect(() => store.show(conversationId), [store, conversationId]);

  if (removed) {
    return (
      <GoneNotice
        title="You are no longer in this conversation"
        text="You left this group or were removed from it."
      />
    );
  }
  if (!conversation) {
    if (thread?.history === 'error') {
      return (
        <GoneNotice
          title="Conversation not available"
          text={thread.historyError ?? 'It could not be loaded.'}
        />
      );
    }
    return (
      <p className="loading-line thread-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading conversation…
        {listStatus === 'error' ? ' (retrying)' : ''}
      </p>
    );
  }
  return <ThreadScreen conversation={conversation} thread={thread} linked={linked} />;
}

function GoneNotice({ title, text }: { title: string; text: string }) {
  const heading = useHeadingFocus<HTMLHeadingElement>();
  useEffect(() => {
    document.title = `${title} · Parley`;
  }, [title]);
  return (
    <div className="thread-gone">
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      <p>{text}</p>
      <Link to="/">Back to conversations</Link>
    </div>
  );
}

interface ThreadScreenProps {
  conversation: Conversation;
  thread: Thread | undefined;
  linked: LinkedMessage | undefined;
}

function ThreadScreen({ conversation, thread, linked }: ThreadScreenProps) {
  const store = useMessagingStore();
  const me = store.userId;
  const name = conversationName(conversation, me);
  const heading = useHeadingFocus<HTMLHeadingElement>();
  const [membersOpen, setMembersOpen] = useState(false);
  const membersId = useId();
  const allOutbox = useMessaging((state) => state.outbox);
  const outbox = useMemo(() => {
    const mine = allOutbox.filter((item) => item.conversationId === conversation.id);
    return mine.length > 0 ? mine : EMPTY_OUTBOX;
  }, [allOutbox, conversation.id]);
  const typing = useMessaging((state) => typingText(state, conversation, me));
  const readers = useMessaging((state) => state.readers[conversation.id]);
  const announcement = useMessaging((state) => state.announcement);
  const messages = thread?.messages ?? [];
  const [replyingToAny, setReplyingTo] = useState<Message>();
  // Only a message of this conversation (the screen stays mounted when another one is opened).
  const replyingTo = replyingToAny?.conversationId === conversation.id ? replyingToAny : undefined;
  /** The message jumped to: a reply's original (marked for a moment) or a search result (`sticky`). */
  const [target, setTarget] = useState<{ seq: number; sticky: boolean }>();
  // ↑ in the empty composer: which message to edit (a new `n` each time, so the same one can be asked again).
  const [editRequest, setEditRequest] = useState<{ id: string; n: number }>();
  const composerInput = useRef<HTMLTextAreaElement>(null);
  const [jumpProblem, setJumpProblem] = useState<string>();
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  // The unread count in front is TabAttention's (notifications/).
  useEffect(() => {
    document.title = `${name} · Parley`;
  }, [name]);

  // --- unread: where the user's read marker was when the conversation opened (before it is moved) ---
  const [unreadAfter] = useState(() =>
    conversation.unreadCount > 0 && conversation.lastSeq > conversation.lastReadSeq
      ? conversation.lastReadSeq
      : undefined,
  );
  const timeline = useMemo(
    () => buildTimeline(messages, { me, unreadAfter, holes: thread?.holes }),
    [messages, me, unreadAfter, thread?.holes],
  );

  // --- scrolling: stick to the bottom, keep position when older messages are prepended ---
  const scroller = useRef<HTMLElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const divider = useRef<HTMLLIElement>(null);
  // With unread messages the view first lands on the "New messages" divider, not at the bottom — unless
  // it was opened for one message (a search result): then that message is where it goes.
  const [skipLanding] = useState(() => unreadAfter === undefined || linked !== undefined);
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

  /** Starts editing the user's newest message that can be edited; false when there is none. */
  const editLast = (): boolean => {
    if (conversation.readOnly) return false;
    const last = [...messages].reverse().find((m) => m.senderId === me && !m.deletedAt && m.body);
    if (!last) return false;
    setEditRequest((current) => ({ id: last.id, n: (current?.n ?? 0) + 1 }));
    return true;
  };

  // "Seen": under the user's newest message, who has read up to it (live read events of this visit).
  const seen = useMemo(() => {
    const lastMine = [...messages]
      .reverse()
      .find((m) => m.senderId === me && !m.deletedAt && m.kind !== 'system');
    if (!lastMine || !readers) return undefined;
    const names = Object.entries(readers)
      .filter(([id, seq]) => id !== me && seq >= lastMine.seq)
      .map(([id]) => memberName(conversation, id, me));
    if (names.length === 0) return undefined;
    return {
      id: lastMine.id,
      text: conversation.type === 'direct' ? 'Seen' : `Seen by ${names.join(', ')}`,
    };
  }, [messages, readers, me, conversation]);

  // A reply's original or a search result: shown (loaded around it first when it is not held), marked
  // and focused. A search result stays marked while the URL names it.
  const jumpTo = useCallback(
    (seq: number, sticky = false) => {
      setJumpProblem(undefined);
      stick.current = false;
      store.jumpTo(conversation.id, seq).then(
        (found) =>
          found
            ? setTarget({ seq, sticky })
            : setJumpProblem(
                sticky ? 'The message could not be found.' : 'The original message could not be found.',
              ),
        (error: unknown) => setJumpProblem(describeError(error)),
      );
    },
    [store, conversation.id],
  );
  useEffect(() => {
    if (!target) return;
    const element = scroller.current?.querySelector<HTMLElement>(`[data-seq="${target.seq}"]`);
    element?.scrollIntoView({ block: 'center' });
    element?.focus({ preventScroll: true });
    if (target.sticky) return;
    const timer = window.setTimeout(() => setTarget(undefined), 3000);
    return () => window.clearTimeout(timer);
  }, [target]);

  // A search result (`?message=`): once the thread is loaded, each visit jumps to its message; leaving
  // for the plain conversation drops the mark.
  const history = thread?.history ?? 'loading';
  // "Today" and "Yesterday" as of this render (a new message re-renders; good enough past midnight).
  const now = new Date();
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

  return (
    <div className="thread">
      <header className="thread-head">
        <Link to="/" className="back-link">
          <span aria-hidden="true">←</span> <span className="back-label">Conversations</span>
        </Link>
        <div className="thread-title">
          <h1 tabIndex={-1} ref={heading}>
            {name}
          </h1>
          <p className="thread-sub">
            {conversation.type === 'direct' ? (
              conversation.peerDeleted ? (
                'Direct message · account deleted'
              ) : (
                <>
                  Direct message · <PeerStatus conversation={conversation} me={me} />
                </>
              )
            ) : (
              `Group · ${conversation.members.length} ${conversation.members.length === 1 ? 'member' : 'members'}`
            )}
            {conversation.muted ? ' · Muted' : ''}
            {conversation.archived ? ' · Archived' : ''}
          </p>
        </div>
        {conversation.type === 'group' ? (
          <button
            type="button"
            className="button button-secondary button-small"
            aria-expanded={membersOpen}
            aria-controls={membersId}
            onClick={() => setMembersOpen((open) => !open)}
          >
            Members
          </button>
        ) : null}
        <ConversationMenu conversation={conversation} />
      </header>
      {conversation.type === 'group' ? (
        <div id={membersId} hidden={!membersOpen}>
          {membersOpen ? (
            <MembersPanel conversation={conversation} onClose={() => setMembersOpen(false)} />
          ) : null}
        </div>
      ) : null}
      <ConnectionNotice />
      {/* A scrollable region must be reachable by keyboard (axe: scrollable-region-focusable). */}
      <section
        className="message-scroller"
        ref={scroller}
        onScroll={onScroll}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: scrollable, so keyboard users must be able to focus it.
        tabIndex={0}
        aria-label={`Messages with ${name}`}
      >
        {thread?.hasMoreBefore ? (
          <div className="older">
            <LoadMore
              loading={thread.loadingOlder}
              error={thread.olderError}
              loadingText="Loading earlier messages…"
              label="Load earlier messages"
              onLoad={() => void store.loadOlder(conversation.id)}
            />
          </div>
        ) : history === 'loaded' && messages.length > 0 ? (
          <p className="history-start">This is the beginning of the conversation.</p>
        ) : null}
        {history === 'loading' || history === 'unloaded' ? (
          <p className="loading-line thread-loading" role="status">
            <span className="spinner" aria-hidden="true" /> Loading messages…
          </p>
        ) : null}
        {history === 'error' ? (
          <div className="thread-error" role="alert">
            <p>{thread?.historyError}</p>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => void store.open(conversation.id)}
            >
              Try again
            </button>
          </div>
        ) : null}
        {history === 'loaded' && messages.length === 0 && outbox.length === 0 ? (
          <p className="history-start">No messages yet. Say hello!</p>
        ) : null}
        <ol className="message-list" aria-label="Messages" ref={list}>
          {timeline.map((item) => {
            switch (item.kind) {
              case 'day':
                return (
                  <li key={item.key} className="timeline-day">
                    <h2>{dayLabel(item.date, now)}</h2>
                  </li>
                );
              case 'unread':
                return (
                  <li key={item.key} className="unread-divider" ref={divider}>
                    <span>New messages</span>
                  </li>
                );
              case 'gap':
                return (
                  <li key={item.key} className="history-gap">
                    <LoadMore
                      loading={thread?.loadingGap === item.after}
                      error={thread?.gapError}
                      loadingText="Loading newer messages…"
                      label="Load newer messages"
                      onLoad={() => void store.loadGap(conversation.id, item.after)}
                    />
                  </li>
                );
              default: {
                const { message } = item;
                if (message.kind === 'system') {
                  return <SystemLine key={item.key} message={message} people={conversation} me={me} />;
                }
                return (
                  <MessageItem
                    key={item.key}
                    message={message}
                    people={conversation}
                    me={me}
                    continued={item.continued}
                    seenBy={seen?.id === message.id ? seen.text : undefined}
                    readOnly={conversation.readOnly}
                    quote={
                      message.replyTo
                        ? currentQuote(message.replyTo, byId.get(message.replyTo.id))
                        : undefined
                    }
                    onReply={setReplyingTo}
                    onJump={jumpTo}
                    highlighted={target?.seq === message.seq}
                    editRequest={editRequest?.id === message.id ? editRequest.n : undefined}
                    onEditEnd={() => composerInput.current?.focus()}
                    searchResult={target?.sticky === true && target.seq === message.seq}
                  />
                );
              }
            }
          })}
          {outbox.length > 0 && history === 'loaded' && isNewDay(messages, now) ? (
            <li className="timeline-day">
              <h2>{dayLabel(now, now)}</h2>
            </li>
          ) : null}
          {outbox.map((item) => (
            <PendingItem key={item.clientId} item={item} members={conversation.members} me={me} />
          ))}
        </ol>
      </section>
      {away && history === 'loaded' ? (
        <div className="jump-latest-bar">
          <button type="button" className="jump-latest" onClick={jumpToLatest}>
            {newCount > 0 ? `${newCount} new ${newCount === 1 ? 'message' : 'messages'}` : 'Jump to latest'}
            <span aria-hidden="true"> ↓</span>
          </button>
        </div>
      ) : null}
      {jumpProblem ? (
        <p className="jump-problem" role="alert">
          {jumpProblem}
        </p>
      ) : null}
      <p className="typing-indicator">{typing}</p>
      <div className="visually-hidden" aria-live="polite">
        {announcement}
      </div>
      {conversation.readOnly ? (
        <ReadOnlyNotice conversation={conversation} />
      ) : (
        <Composer
          conversationId={conversation.id}
          name={name}
          onSent={() => {
            landing.current = 'done';
            stick.current = true;
            setAway(false);
            setReplyingTo(undefined);
          }}
          replyingTo={replyingTo}
          onCancelReply={() => setReplyingTo(undefined)}
          members={conversation.members}
          me={me}
          onEditLast={editLast}
          inputRef={composerInput}
        />
      )}
    </div>
  );
}

/** In place of the composer where nobody can write any more (the API answers 403 there). */
function ReadOnlyNotice({ conversation }: { conversation: Conversation }) {
  return (
    <div className="read-only-notice" role="status">
      <p className="read-only-title">
        {conversation.peerDeleted ? 'This person deleted their account' : 'This conversation is read-only'}
      </p>
      <p>You can still read this conversation and delete your own messages, but no one can send new ones.</p>
    </div>
  );
}

/** The other member's presence in a direct conversation's header, in words. */
function PeerStatus({ conversation, me }: { conversation: Conversation; me: string }) {
  const peer = conversation.members.find((member) => member.id !== me)?.id;
  return <PresenceText status={usePresence(peer)} visible />;
}
