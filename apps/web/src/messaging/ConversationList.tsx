import { useMemo } from 'react';
import { activityOf } from '../realtime/merge.js';
import { MessagingStore } from '../realtime/store.js';
import { useMessaging, useMessagingStore } from '../realtime/use-messaging.js';
import { Link } from '../router/router.js';
import { conversationName, initialOf, listTime, previewOf } from './names.js';

/** Conversations, newest activity first, with unread badges and the last message. */
export function ConversationList({ activeId }: { activeId: string | undefined }) {
  const store = useMessagingStore();
  const conversations = useMessaging((state) => state.conversations);
  const list = useMessaging((state) => state.list);
  const sorted = useMemo(() => MessagingStore.sorted(conversations), [conversations]);

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
    <ul className="conversation-list">
      {sorted.map((conversation) => {
        const name = conversationName(conversation, store.userId);
        const unread = conversation.unreadCount;
        const active = conversation.id === activeId;
        return (
          <li key={conversation.id}>
            <Link
              to={`/conversations/${encodeURIComponent(conversation.id)}`}
              className={`conversation-link${unread > 0 ? ' has-unread' : ''}`}
              aria-current={active ? 'page' : undefined}
            >
              <span
                className={`avatar${conversation.type === 'group' ? ' avatar-group' : ''}`}
                aria-hidden="true"
              >
                {initialOf(name)}
              </span>
              <span className="conversation-text">
                <span className="conversation-top">
                  <span className="conversation-name">{name}</span>
                  <time className="conversation-time" dateTime={activityOf(conversation)}>
                    {listTime(activityOf(conversation))}
                  </time>
                </span>
                <span className="conversation-bottom">
                  <span className="conversation-preview">{previewOf(conversation, store.userId)}</span>
                  {unread > 0 ? (
                    <span className="unread-badge">
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
