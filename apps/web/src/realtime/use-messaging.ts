import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useSyncExternalStore } from 'react';
import { describeError } from '../api/client.js';
import { conversationPageQuery } from '../api/queries.js';
import type { MessagingState } from './messaging-state.js';
import type { MessagingStore } from './messaging-store.js';

export const MessagingContext = createContext<MessagingStore | undefined>(undefined);

export function useMessagingStore(): MessagingStore {
  const store = useContext(MessagingContext);
  if (!store) throw new Error('useMessagingStore outside <MessagingContext>');
  return store;
}

/** A slice of the messaging state; re-renders only when the selected value changes (by identity). */
export function useMessaging<T>(select: (state: MessagingState) => T): T {
  const store = useMessagingStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

export interface ListStatus {
  readonly status: 'loading' | 'ready' | 'error';
  readonly error?: string | undefined;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly moreError?: string | undefined;
}

/**
 * Where the conversation list stands: how far it is loaded (the store) and the state of the requests for
 * its pages (TanStack Query; the store starts them, these observers never fetch by themselves).
 */
export function useListStatus(): ListStatus {
  const { ready, nextCursor } = useMessaging((state) => state.list);
  const first = useQuery({ ...conversationPageQuery(null), enabled: false });
  const more = useQuery({ ...conversationPageQuery(nextCursor), enabled: false });
  const moreFailed = nextCursor !== null && more.isError && !more.isFetching;
  return {
    status: ready ? 'ready' : first.isError ? 'error' : 'loading',
    error: first.isError ? describeError(first.error) : undefined,
    hasMore: nextCursor !== null,
    loadingMore: nextCursor !== null && more.isFetching,
    moreError: moreFailed ? describeError(more.error) : undefined,
  };
}
