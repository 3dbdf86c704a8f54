import type { Conversation, Message } from '@parley/contract';
import { useEffect, useMemo, useRef, useState } from 'react';
import { LoadMore } from '../components/LoadMore.js';
import type { Thread } from '../realtime/history.js';
import type { MessagingState } from '../realtime/messaging-state.js';
import type { OutboxItem } from '../realtime/outbox.js';
import { typingUsers } from '../realtime/presence.js';
import { currentQuote } from '../realtime/reactions.js';
import { useListStatus, useMessaging, useMessagingStore } from '../realtime/use-messaging.js';
import { useLocation } from '../router/router.js';
import { Composer } from './Composer.js';
import { useHeadingFocus } from './heading-focus.js';
import { MessageItem, PendingItem } from './MessageItem.js';
import { type LinkedMessage, linkedSeq, useMessageJump } from './message-jump.js';
import { conversationName, memberName } from './names.js';
import { SystemLine } from './SystemLine.js';
import { ThreadHeader } from './ThreadHeader.js';
import { ConnectionNotice, GoneNotice, ReadOnlyNotice } from './ThreadNotices.js';
import { useThreadScroll } from './thread-scroll.js';
import { buildTimeline, dayLabel, isNewDay } from './timeline.js';
import './reading.css';

const EMPTY_OUTBOX: readonly OutboxItem[] = [];

function typingText(state: MessagingState, conversation: Conversation, me: string): string {
  const users = typingUsers(state, conversation.id, me, Date.now()).map((id) =>
    memberName(conversation, id, me),
  );
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return 'Several people are typing…';
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
  // ↑ in the empty composer: which message to edit (a new `n` each time, so the same one can be asked again).
  const [editRequest, setEditRequest] = useState<{ id: string; n: number }>();
  const composerInput = useRef<HTMLTextAreaElement>(null);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  // The unread count in front is TabAttention's (notifications/).
  useEffect(() => {
    document.title = `${name} · Parley`;
  }, [name]);

  // Scrolling, the landing on the first unread message, and the "N new messages" pill (thread-scroll.ts).
  const scroll = useThreadScroll({
    store,
    conversation,
    thread,
    messages,
    outbox,
    me,
    openedForMessage: linked !== undefined,
  });
  const timeline = useMemo(
    () => buildTimeline(messages, { me, unreadAfter: scroll.unreadAfter, holes: thread?.holes }),
    [messages, me, scroll.unreadAfter, thread?.holes],
  );

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

  const history = thread?.history ?? 'loading';
  // A reply's original or a search result (message-jump.ts).
  const { target, jumpTo, jumpProblem } = useMessageJump({
    store,
    conversationId: conversation.id,
    scroller: scroll.scroller,
    stick: scroll.stick,
    linked,
    history,
  });
  // "Today" and "Yesterday" as of this render (a new message re-renders; good enough past midnight).
  const now = new Date();

  return (
    <div className="thread">
      <ThreadHeader conversation={conversation} name={name} me={me} headingRef={heading} />
      <ConnectionNotice />
      {/* A scrollable region must be reachable by keyboard (axe: scrollable-region-focusable). */}
      <section
        className="message-scroller"
        ref={scroll.scroller}
        onScroll={scroll.onScroll}
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
        <ol className="message-list" aria-label="Messages" ref={scroll.list}>
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
                  <li key={item.key} className="unread-divider" ref={scroll.divider}>
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
      {scroll.away && history === 'loaded' ? (
        <div className="jump-latest-bar">
          <button type="button" className="jump-latest" onClick={scroll.jumpToLatest}>
            {scroll.newCount > 0
              ? `${scroll.newCount} new ${scroll.newCount === 1 ? 'message' : 'messages'}`
              : 'Jump to latest'}
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
            scroll.followLatest();
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
