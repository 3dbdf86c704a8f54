import { useEffect } from 'react';
import { sortedConversations } from '../realtime/conversation-list.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { useNavigate } from '../router/router.js';

/**
 * The conversation Alt+↑ (`-1`) or Alt+↓ (`+1`) moves to in the list's order: the one above or below the
 * open one, staying put at either end; with none open, ↓ goes to the first and ↑ to the last.
 */
export function adjacentConversation(
  ids: readonly string[],
  activeId: string | undefined,
  step: -1 | 1,
): string | undefined {
  if (ids.length === 0) return undefined;
  const index = activeId === undefined ? -1 : ids.indexOf(activeId);
  if (index === -1) return step === 1 ? ids[0] : ids.at(-1);
  return ids[index + step];
}

/** Alt+↑ / Alt+↓ anywhere in messaging (the composer too) open the previous or next conversation. */
export function useConversationKeys(activeId: string | undefined): void {
  const store = useMessagingStore();
  const navigate = useNavigate();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing) return;
      if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
      // Not from inside a dialog (its own keys) or the message edit field.
      const target = event.target as Element | null;
      if (target?.closest('dialog, .edit-form')) return;
      const ids = sortedConversations(store.getState().conversations).map((conversation) => conversation.id);
      const next = adjacentConversation(ids, activeId, event.key === 'ArrowUp' ? -1 : 1);
      event.preventDefault();
      if (next && next !== activeId) navigate(`/conversations/${encodeURIComponent(next)}`);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [store, navigate, activeId]);
}
