import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { TabAttention } from '../notifications/TabAttention.js';
import { MessagingStore } from '../realtime/messaging-store.js';
import { MessagingContext, useListStatus, useMessaging } from '../realtime/use-messaging.js';
import { Link } from '../router/router.js';
import { useSession, useUser } from '../session/session-context.js';
import { ArchivedConversations, ConversationList } from './ConversationList.js';
import { ConversationView } from './ConversationView.js';
import { useConversationKeys } from './conversation-keys.js';
import { useHeadingFocus } from './heading-focus.js';
import { MessageSearch } from './MessageSearch.js';
import { NewConversation } from './NewConversation.js';

export type MessagingView = 'home' | 'new' | 'conversation' | 'archived';

interface MessagingPageProps {
  view: MessagingView;
  conversationId?: string | undefined;
}

/**
 * The signed-in home: the conversation list beside the open conversation (stacked on phones, where the
 * list and the conversation are separate screens). Owns the tab's messaging store and its WebSocket.
 */
export default function MessagingPage({ view, conversationId }: MessagingPageProps) {
  const user = useUser();
  const { signedOut } = useSession();
  const signedOutRef = useRef(signedOut);
  signedOutRef.current = signedOut;
  const queryClient = useQueryClient();
  const [store] = useState(
    () =>
      new MessagingStore(
        user.id,
        { onSessionEnded: () => signedOutRef.current('session-ended') },
        queryClient,
      ),
  );

  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);

  return (
    <MessagingContext.Provider value={store}>
      <TabAttention store={store} />
      <ConversationKeys activeId={view === 'conversation' ? conversationId : undefined} />
      <div className="messaging" data-view={view === 'home' || view === 'archived' ? 'list' : 'detail'}>
        <ListPane
          headingLevel={view === 'home' || view === 'archived' ? 1 : 2}
          activeId={conversationId}
          archived={view === 'archived'}
        />
        <div className="thread-pane">
          {view === 'new' ? <NewConversation /> : null}
          {view === 'conversation' && conversationId ? (
            <ConversationView key={conversationId} conversationId={conversationId} />
          ) : null}
          {view === 'home' || view === 'archived' ? <NoneSelected /> : null}
        </div>
      </div>
    </MessagingContext.Provider>
  );
}

/** Alt+↑ / Alt+↓ move between conversations (inside the store's context). */
function ConversationKeys({ activeId }: { activeId: string | undefined }) {
  useConversationKeys(activeId);
  return null;
}

/** The conversation list, or the results of a message search in its place. */
function ListPane({
  headingLevel,
  activeId,
  archived,
}: {
  headingLevel: 1 | 2;
  activeId: string | undefined;
  archived: boolean;
}) {
  const heading = useHeadingFocus<HTMLHeadingElement>(headingLevel === 1);
  const [query, setQuery] = useState('');
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  const title = archived ? 'Archived conversations' : 'Conversations';
  // The unread count in front is TabAttention's (notifications/).
  useEffect(() => {
    if (headingLevel === 1) document.title = `${title} · Parley`;
  }, [headingLevel, title]);
  return (
    <section className="list-pane" aria-labelledby="conversations-title">
      <div className="list-head">
        <Heading id="conversations-title" tabIndex={-1} ref={heading}>
          {title}
        </Heading>
        <Link to="/conversations/new" className="button button-primary button-small">
          <span aria-hidden="true">+</span> New<span className="visually-hidden"> conversation</span>
        </Link>
      </div>
      <MessageSearch headingLevel={headingLevel === 1 ? 2 : 3} query={query} onQuery={setQuery} />
      {query ? null : (
        <>
          <nav className="list-views" aria-label="Conversation lists">
            <Link to="/" aria-current={archived ? undefined : 'page'}>
              Inbox
            </Link>
            <Link to="/archived" aria-current={archived ? 'page' : undefined}>
              Archived
            </Link>
          </nav>
          {archived ? (
            <ArchivedConversations activeId={activeId} />
          ) : (
            <ConversationList activeId={activeId} />
          )}
        </>
      )}
    </section>
  );
}

function NoneSelected() {
  const user = useUser();
  const count = useMessaging((state) => Object.keys(state.conversations).length);
  const { status } = useListStatus();
  const text = useMemo(
    () =>
      count > 0
        ? 'Choose a conversation from the list, or start a new one.'
        : 'Start a conversation with someone by their email address, or create a group.',
    [count],
  );
  if (status === 'loading') return null;
  return (
    <div className="none-selected">
      <svg className="empty-art" viewBox="0 0 64 64" aria-hidden="true" focusable="false">
        <rect x="6" y="12" width="36" height="26" rx="6" />
        <rect x="22" y="26" width="36" height="26" rx="6" />
      </svg>
      <p className="none-selected-title">Welcome, {user.displayName}</p>
      <p>{text}</p>
    </div>
  );
}
