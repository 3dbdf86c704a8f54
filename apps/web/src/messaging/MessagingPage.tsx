import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { MessagingStore } from '../realtime/messaging-store.js';
import { MessagingContext, useListStatus, useMessaging } from '../realtime/use-messaging.js';
import { Link } from '../router/router.js';
import { useSession, useUser } from '../session/session-context.js';
import { ConversationList } from './ConversationList.js';
import { ConversationView } from './ConversationView.js';
import { useHeadingFocus } from './heading-focus.js';
import { MessageSearch } from './MessageSearch.js';
import { NewConversation } from './NewConversation.js';

export type MessagingView = 'home' | 'new' | 'conversation';

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
      <div className="messaging" data-view={view === 'home' ? 'list' : 'detail'}>
        <ListPane headingLevel={view === 'home' ? 1 : 2} activeId={conversationId} />
        <div className="thread-pane">
          {view === 'new' ? <NewConversation /> : null}
          {view === 'conversation' && conversationId ? (
            <ConversationView key={conversationId} conversationId={conversationId} />
          ) : null}
          {view === 'home' ? <NoneSelected /> : null}
        </div>
      </div>
    </MessagingContext.Provider>
  );
}

/** The conversation list, or the results of a message search in its place. */
function ListPane({ headingLevel, activeId }: { headingLevel: 1 | 2; activeId: string | undefined }) {
  const heading = useHeadingFocus<HTMLHeadingElement>(headingLevel === 1);
  const [query, setQuery] = useState('');
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  useEffect(() => {
    if (headingLevel === 1) document.title = 'Conversations · Parley';
  }, [headingLevel]);
  return (
    <section className="list-pane" aria-labelledby="conversations-title">
      <div className="list-head">
        <Heading id="conversations-title" tabIndex={-1} ref={heading}>
          Conversations
        </Heading>
        <Link to="/conversations/new" className="button button-primary button-small">
          <span aria-hidden="true">+</span> New<span className="visually-hidden"> conversation</span>
        </Link>
      </div>
      <MessageSearch headingLevel={headingLevel === 1 ? 2 : 3} query={query} onQuery={setQuery} />
      {query ? null : <ConversationList activeId={activeId} />}
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
