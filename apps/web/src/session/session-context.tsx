import type { User } from '@parley/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { NetworkError, onUnauthenticated } from '../api/client.js';
import { isUserData, meQuery } from '../api/queries.js';
import { clearDrafts } from '../messaging/drafts.js';
import { useLocation } from '../router/router.js';

/** Why the user is signed out, so the sign-in page can say so. */
export type SignedOutReason = 'signed-out' | 'session-ended' | 'account-deleted' | 'signed-out-everywhere';

export type SessionState =
  | { status: 'loading' }
  /** The first check could not reach the server (offline, or started from the offline app shell). */
  | { status: 'unreachable'; retry(): void }
  | { status: 'signed-out'; reason?: SignedOutReason }
  | { status: 'signed-in'; user: User };

interface SessionValue {
  session: SessionState;
  /** After a successful login or profile update. */
  setUser(user: User): void;
  /** After logout, logout-all, account deletion or a 401. */
  signedOut(reason: SignedOutReason): void;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

/**
 * Who is signed in: the `me` query (TanStack Query), fetched at start, on every page change and whenever
 * the tab becomes visible again, so a session revoked elsewhere is noticed on the user's next action, even
 * on pages that make no request of their own. Any 401 `unauthenticated` from the API client (a session
 * revoked elsewhere, expired, or the account deleted) turns the state to signed-out; the route guard then
 * sends the user to the sign-in page. Signed out, nothing is checked until the user signs in again.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  /** Set once the app knows the user is signed out (and why); cleared by signing in. */
  const [signedOutAs, setSignedOutAs] = useState<{ reason?: SignedOutReason }>();
  const me = useQuery({ ...meQuery, enabled: signedOutAs === undefined });

  // The first check could not reach the server: neither signed in nor out yet; retried until it answers.
  const unreachable = me.data === undefined && me.error instanceof NetworkError;
  const { refetch } = me;
  const retry = useCallback(() => void refetch({ cancelRefetch: false }), [refetch]);
  useUnreachableRetry(unreachable && !signedOutAs, retry);

  const session = useMemo((): SessionState => {
    if (signedOutAs) return { status: 'signed-out', ...signedOutAs };
    // A failed check while signed in (offline, a server hiccup) keeps the user: only a 401 signs out.
    if (me.data) return { status: 'signed-in', user: me.data };
    if (unreachable) return { status: 'unreachable', retry };
    return me.isError ? { status: 'signed-out' } : { status: 'loading' };
  }, [signedOutAs, me.data, me.isError, unreachable, retry]);
  const signedInRef = useRef(false);
  signedInRef.current = session.status === 'signed-in';

  // The first check was answered with an error (not signed in): signed out until the user signs in.
  const firstCheckFailed = me.isError && me.data === undefined && !unreachable;
  useEffect(() => {
    if (firstCheckFailed) setSignedOutAs((current) => current ?? {});
  }, [firstCheckFailed]);

  useEffect(
    () =>
      onUnauthenticated(() =>
        setSignedOutAs((current) => current ?? (signedInRef.current ? { reason: 'session-ended' } : {})),
      ),
    [],
  );

  // What the user saw while signed in must not outlive the session (another user may sign in next).
  // Nor what they were writing (drafts), once they signed out or their session ended; not when the app
  // merely started signed out (e.g. offline), which would lose drafts on a reload.
  useEffect(() => {
    if (signedOutAs) queryClient.removeQueries({ predicate: (query) => isUserData(query.queryKey) });
    if (signedOutAs?.reason) clearDrafts();
  }, [queryClient, signedOutAs]);

  const { pathname } = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `pathname` is the trigger, not an input.
  useEffect(() => {
    // Joins a check already under way (the first one, or one the tab's focus started).
    void queryClient.refetchQueries({ queryKey: meQuery.queryKey, type: 'active' }, { cancelRefetch: false });
  }, [queryClient, pathname]);

  const setUser = useCallback(
    (user: User) => {
      queryClient.setQueryData(meQuery.queryKey, user);
      setSignedOutAs(undefined);
    },
    [queryClient],
  );
  const signedOut = useCallback((reason: SignedOutReason) => setSignedOutAs({ reason }), []);

  const value = useMemo(() => ({ session, setUser, signedOut }), [session, setUser, signedOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** First retry after 1 s, doubling up to 30 s; at once when the browser says it is back online. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

function useUnreachableRetry(active: boolean, retry: () => void): void {
  useEffect(() => {
    if (!active) return;
    let delay = RETRY_FIRST_MS;
    let timer: ReturnType<typeof setTimeout>;
    const schedule = () => {
      timer = setTimeout(() => {
        retry();
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        schedule();
      }, delay);
    };
    schedule();
    window.addEventListener('online', retry);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('online', retry);
    };
  }, [active, retry]);
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

/** The signed-in user; only for components rendered behind the signed-in guard. */
export function useUser(): User {
  const { session } = useSession();
  if (session.status !== 'signed-in') throw new Error('useUser while not signed in');
  return session.user;
}
