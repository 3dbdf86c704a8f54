import { createContext, useContext, useSyncExternalStore } from 'react';
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
