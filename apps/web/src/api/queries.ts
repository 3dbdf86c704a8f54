import { infiniteQueryOptions, QueryClient, queryOptions } from '@tanstack/react-query';
import { api } from './client.js';

/**
 * The server cache for plain request/response reads (TanStack Query). Defaults keep the app's behaviour
 * of hand-written fetches: one attempt (errors are shown at once, with a Try again where it helps), fetch
 * even when the browser says it is offline (it fails as a fetch would, rather than waiting), and refetch
 * on focus only where a query asks for it. What the WebSocket keeps live (messages, the conversation list)
 * is not here: `src/realtime/` merges it by hand, in order.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: false,
        networkMode: 'always',
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { retry: false, networkMode: 'always' },
    },
  });
}

/**
 * Who is signed in. Fetched on every page change and when the tab becomes visible again (so a session
 * ended elsewhere is noticed), and by the WebSocket client to keep the session cookie fresh.
 */
export const meQuery = queryOptions({
  queryKey: ['me'] as const,
  queryFn: () => api.me(),
  staleTime: 0,
  refetchOnWindowFocus: true,
});

/** The account's signed-in devices: this one first, then the most recently active. */
export const sessionsQuery = queryOptions({
  queryKey: ['sessions'] as const,
  queryFn: async () => {
    const { sessions } = await api.sessions();
    return sessions.sort(
      (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt),
    );
  },
});

/** The account's second factors (Settings → Security, the re-authentication dialog). */
export const mfaQuery = queryOptions({
  queryKey: ['mfa'] as const,
  queryFn: () => api.mfaStatus(),
});

/** Email notifications and presence visibility (Settings → Notifications). */
export const notificationSettingsQuery = queryOptions({
  queryKey: ['notification-settings'] as const,
  queryFn: () => api.notificationSettings(),
});

/** The account's security log, newest first, a page at a time (`fetchNextPage` follows `nextCursor`). */
export const securityEventsQuery = infiniteQueryOptions({
  queryKey: ['security-events'] as const,
  queryFn: ({ pageParam }) => api.securityEvents({ ...(pageParam ? { cursor: pageParam } : {}), limit: 25 }),
  initialPageParam: null as string | null,
  getNextPageParam: (page) => page.nextCursor,
});

/** Conversations per page of the list. */
const LIST_PAGE_SIZE = 50;

/**
 * One page of the conversation list: the first (`null`), or the one after `cursor`. The messaging store
 * folds each answer into the live list once (see realtime/conversation-list.ts), so answers are never
 * shared structurally: every fetch is a new object.
 */
export const conversationPageQuery = (cursor: string | null) =>
  queryOptions({
    queryKey: ['conversations', 'page', cursor] as const,
    queryFn: () => api.conversations({ ...(cursor ? { cursor } : {}), limit: LIST_PAGE_SIZE }),
    structuralSharing: false,
  });

/** One conversation (a deep link, one a message arrived for, one whose members changed). */
export const conversationQuery = (id: string) =>
  queryOptions({ queryKey: ['conversations', 'one', id] as const, queryFn: () => api.conversation(id) });

/** Search results per page (the API allows up to 50). */
export const SEARCH_PAGE_SIZE = 20;

/**
 * Message search results for `q`, newest first, a page at a time (`fetchNextPage` follows `nextCursor`).
 * Kept for a minute, so going back to the results after opening one does not search again.
 */
export const searchQuery = (q: string) =>
  infiniteQueryOptions({
    queryKey: ['search', q] as const,
    queryFn: ({ pageParam }) =>
      api.search({ q, limit: SEARCH_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    staleTime: 60_000,
  });

/** Queries that belong to the signed-in user (all but `me`): dropped when the session ends. */
export function isUserData(queryKey: readonly unknown[]): boolean {
  return queryKey[0] !== meQuery.queryKey[0];
}
