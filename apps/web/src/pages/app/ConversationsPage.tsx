import { Page } from '../../components/Page.js';
import { useUser } from '../../session/session-context.js';

/**
 * The signed-in home. Messaging is not built yet, so this shows the truthful empty state a new account
 * sees; the conversation list and message view replace it.
 */
export function ConversationsPage() {
  const user = useUser();
  return (
    <Page title="Conversations">
      <section className="empty-state" aria-labelledby="empty-title">
        <svg className="empty-art" viewBox="0 0 64 64" aria-hidden="true" focusable="false">
          <rect x="6" y="12" width="36" height="26" rx="6" />
          <rect x="22" y="26" width="36" height="26" rx="6" />
        </svg>
        <h2 id="empty-title">No conversations yet</h2>
        <p>
          Welcome, {user.displayName}. Conversations you start or are added to will be listed here, with the
          most recent first.
        </p>
      </section>
    </Page>
  );
}
