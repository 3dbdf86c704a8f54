import type { Conversation } from '@parley/contract';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { LoadMore } from '../components/LoadMore.js';
import { activityOf, listedConversations } from '../realtime/conversation-list.js';
import { useListStatus, useMessaging, useMessagingStore } from '../realtime/use-messaging.js';
import { Link } from '../router/router.js';
import { conversationName, initialOf, listTime, previewOf } from './names.js';
import { PresenceDot, PresenceText, usePresence } from './PresenceDot.js';
import './groups.css';

/**
 * Conversations, newest activity first, with unread badges and the last message. The list arrives a page
 * at a time: scrolling to its end loads the next page (a button does the same for keyboards).
 */
export function ConversationList({ activeId }: { activeId: string | undefined }) {
  const store = useMessagingStore();
  const conversations = useMessaging((state) => state.conversations);
  const list = useListStatus();
  const sorted = useMemo(() => listedConversations(conversations, false), [conversations]);

  if (list.status === 'loading' && sorted.length === 0) {
    return (
      <p className="loading-line list-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading conversations…
      </p>
    );
  }
  if (list.status === 'error' && sorted.length === 0) {
    return (
      <div className="list-error" role="alert">
        <p>{list.error}</p>
        <button type="button" className="button button-secondary" onClick={() => void store.refreshList()}>
          Try again
        </button>
      </div>
    );
  }
  if (sorted.length === 0) {
    return (
      <section className="list-empty" aria-labelledby="empty-title">
        <h2 id="empty-title">No conversations yet</h2>
        <p>Conversations you start or are added to will be listed here, with the most recent first.</p>
        <Link to="/conversations/new">Start a conversation</Link>
      </section>
    );
  }
  return (
    <>
      <ConversationRows conversations={sorted} activeId={activeId} />
      {list.hasMore ? <MoreConversations /> : null}
    </>
  );
}

function PeerDot({ userId }: { userId: string }) {
  return <PresenceDot status={usePresence(userId)} />;
}

function PeerText({ userId }: { userId: string }) {
  return <PresenceText status={usePresence(userId)} />;
}

/** Conversation links: avatar, name, time, last message, unread badge (quieter when muted). */
function ConversationRows({
  conversations,
  activeId,
}: {
  conversations: readonly Conversation[];
  activeId: string | undefined;
}) {
  const store = useMessagingStore();
  return (
    <ul className="conversation-list">
      {conversations.map((conversation) => {
        const name = conversationName(conversation, store.userId);
        const unread = conversation.unreadCount;
        const mentions = conversation.mentionCount;
        const active = conversation.id === activeId;
        // A direct conversation shows its other member's presence (not once their account is deleted).
        const peer =
          conversation.type === 'direct' && !conversation.peerDeleted
            ? conversation.members.find((member) => member.id !== store.userId)?.id
            : undefined;
        return (
          <li key={conversation.id}>
            <Link
              to={`/conversations/${encodeURIComponent(conversation.id)}`}
              className={`conversation-link${unread > 0 ? ' has-unread' : ''}`}
              aria-current={active ? 'page' : undefined}
            >
              <span className="avatar-wrap">
                <span
                  className={`avatar${conversation.type === 'group' ? ' avatar-group' : ''}`}
                  aria-hidden="true"
                >
                  {initialOf(name)}
                </span>
                {peer ? <PeerDot userId={peer} /> : null}
              </span>
              <span className="conversation-text">
                <span className="conversation-top">
                  <span className="conversation-name">
                    {name}
                    {peer ? <PeerText userId={peer} /> : null}
                  </span>
                  {conversation.muted ? <span className="muted-mark">Muted</span> : null}
                  <time className="conversation-time" dateTime={activityOf(conversation)}>
                    {listTime(activityOf(conversation))}
                  </time>
                </span>
                <span className="conversation-bottom">
                  <span className="conversation-preview">{previewOf(conversation, store.userId)}</span>
                  {mentions > 0 ? (
                    <span className="mention-badge" title="Mentions of you">
                      <span aria-hidden="true">@</span>
                      {mentions > 1 ? (mentions > 99 ? '99+' : mentions) : null}
                      <span className="visually-hidden">
                        {' '}
                        {mentions === 1 ? 'mention' : 'mentions'} of you
                      </span>
                    </span>
                  ) : null}
                  {unread > 0 ? (
                    <span className={`unread-badge${conversation.muted ? ' unread-muted' : ''}`}>
                      {unread > 99 ? '99+' : unread}
                      <span className="visually-hidden"> unread {unread === 1 ? 'message' : 'messages'}</span>
                    </span>
                  ) : null}
                </span>
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The conversations the user archived, loaded a page at a time from `?archived=true` into the live
 * store (so they stay current); one that gets a new message leaves this view for the main list.
 */
export function ArchivedConversations({ activeId }: { activeId: string | undefined }) {
  const store = useMessagingStore();
  const conversations = useMessaging((state) => state.conversations);
  const archived = useMemo(() => listedConversations(conversations, true), [conversations]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'loaded' | 'error'>('loading');
  const [problem, setProblem] = useState<string>();

  const load = useCallback(
    (from: string | null) => {
      setState('loading');
      setProblem(undefined);
      api.conversations({ archived: true, limit: 50, ...(from ? { cursor: from } : {}) }).then(
        (page) => {
          for (const conversation of page.conversations) store.adopt(conversation);
          setCursor(page.nextCursor);
          setState('loaded');
        },
        (caught: unknown) => {
          setProblem(describeError(caught));
          setState('error');
        },
      );
    },
    [store],
  );
  useEffect(() => load(null), [load]);

  if (archived.length === 0 && state === 'loading') {
    return (
      <p className="loading-line list-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading archived conversations…
      </p>
    );
  }
  if (archived.length === 0 && state === 'error') {
    return (
      <div className="list-error" role="alert">
        <p>{problem}</p>
        <button type="button" className="button button-secondary" onClick={() => load(null)}>
          Try again
        </button>
      </div>
    );
  }
  if (archived.length === 0) {
    return (
      <section className="list-empty" aria-labelledby="archived-empty-title">
        <h2 id="archived-empty-title">No archived conversations</h2>
        <p>
          Archive a conversation from its menu (⋯) to move it here. It comes back to your list when a new
          message arrives.
        </p>
      </section>
    );
  }
  return (
    <>
      <ConversationRows conversations={archived} activeId={activeId} />
      {cursor !== null ? (
        <div className="list-more">
          <LoadMore
            loading={state === 'loading'}
            error={state === 'error' ? problem : undefined}
            loadingText="Loading more archived conversations…"
            label="Show more archived conversations"
            onLoad={() => load(cursor)}
          />
        </div>
      ) : null}
    </>
  );
}

/** The end of a partly loaded list: loads the next page when it scrolls into view, or on click. */
function MoreConversations() {
  const store = useMessagingStore();
  const list = useListStatus();
  const count = useMessaging((state) => Object.keys(state.conversations).length);
  const sentinel = useRef<HTMLDivElement>(null);

  // A new observer after every page reports at once whether the end is still in view (a tall screen).
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page (count) is the trigger, not an input.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || list.loadingMore || list.moreError || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void store.loadMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [store, list.loadingMore, list.moreError, count]);

  return (
    <div className="list-more" ref={sentinel}>
      <LoadMore
        loading={list.loadingMore}
        error={list.moreError}
        loadingText="Loading older conversations…"
        label="Show older conversations"
        onLoad={() => void store.loadMore()}
      />
    </div>
  );
}
