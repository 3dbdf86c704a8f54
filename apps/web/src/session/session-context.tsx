import type { User } from '@parley/contract';
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
import { api, isApiError, onUnauthenticated } from '../api/client.js';
import { useLocation } from '../router/router.js';

/** Why the user is signed out, so the sign-in page can say so. */
export type SignedOutReason = 'signed-out' | 'session-ended' | 'account-deleted' | 'signed-out-everywhere';

export type SessionState =
  | { status: 'loading' }
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
 * Who is signed in, from `GET /api/me` at start, on every page change and whenever the tab becomes visible
 * again, so a session revoked elsewhere is noticed on the user's next action, even on pages that make no
 * request of their own. Any 401 `unauthenticated` from the API client (a session revoked elsewhere,
 * expired, or the account deleted) turns the state to signed-out; the route guard then sends the user to
 * the sign-in page.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: 'loading' });

  const setUser = useCallback((user: User) => setSession({ status: 'signed-in', user }), []);
  const signedOut = useCallback(
    (reason: SignedOutReason) => setSession({ status: 'signed-out', reason }),
    [],
  );

  useEffect(
    () =>
      onUnauthenticated(() =>
        setSession((current) =>
          current.status === 'signed-in' ? { status: 'signed-out', reason: 'session-ended' } : current,
        ),
      ),
    [],
  );

  const { pathname } = useLocation();
  const check = useCallback(
    (isCurrent: () => boolean) =>
      api.me().then(
        (user) => {
          if (isCurrent()) setUser(user);
        },
        (error: unknown) => {
          if (!isCurrent()) return;
          // Offline or a server hiccup: keep what we had rather than signing the user out.
          if (isApiError(error, 'unauthenticated')) {
            setSession((current) => (current.status === 'signed-out' ? current : { status: 'signed-out' }));
          } else {
            setSession((current) => (current.status === 'loading' ? { status: 'signed-out' } : current));
          }
        },
      ),
    [setUser],
  );

  // Signed-out pages need no check: a 401 there would only be noise.
  const signedOutRef = useRef(false);
  signedOutRef.current = session.status === 'signed-out';

  // biome-ignore lint/correctness/useExhaustiveDependencies: `pathname` is the trigger, not an input.
  useEffect(() => {
    let current = true;
    if (!signedOutRef.current) void check(() => current);
    return () => {
      current = false;
    };
  }, [check, pathname]);

  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible' && !signedOutRef.current) void check(() => true);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [check]);

  const value = useMemo(() => ({ session, setUser, signedOut }), [session, setUser, signedOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
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
