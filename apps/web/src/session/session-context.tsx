import type { User } from '@parley/contract';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, isApiError, onUnauthenticated } from '../api/client.js';

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
 * Who is signed in, from `GET /api/me` at start and whenever the tab becomes visible again. Any 401
 * `unauthenticated` from the API client (a session revoked elsewhere, expired, or the account deleted)
 * turns the state to signed-out, and the route guard sends the user to the sign-in page.
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

  useEffect(() => {
    let cancelled = false;
    const check = () => {
      api.me().then(
        (user) => {
          if (!cancelled) setUser(user);
        },
        (error: unknown) => {
          if (cancelled) return;
          // Offline or a server hiccup: keep what we had rather than signing the user out.
          if (isApiError(error, 'unauthenticated')) {
            setSession((current) => (current.status === 'signed-out' ? current : { status: 'signed-out' }));
          } else {
            setSession((current) => (current.status === 'loading' ? { status: 'signed-out' } : current));
          }
        },
      );
    };
    check();
    const onVisible = () => {
      if (document.visibilityState === 'visible') check();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      cancelled = true;
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [setUser]);

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
