import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { isApiError } from '../api/client.js';
import { ReauthDialog } from '../components/ReauthDialog.js';

/**
 * Sensitive actions (password, second factors, other sessions, deleting the account) need a recent
 * authentication; the API answers 403 `reauthentication_required` without one. `useConfirmed()` wraps
 * such an action: on that answer it asks in a dialog for the password or a code, and once the API took
 * it, runs the action again. Cancelled, the original error stands ("nothing was changed").
 */

type Confirmed = <T>(action: () => Promise<T>) => Promise<T>;

const ReauthContext = createContext<Confirmed | undefined>(undefined);

export function ReauthProvider({ children }: { children: ReactNode }) {
  const [asking, setAsking] = useState(false);
  const pending = useRef<(confirmed: boolean) => void>(undefined);

  const ask = useCallback(
    () =>
      new Promise<boolean>((resolve) => {
        pending.current = resolve;
        setAsking(true);
      }),
    [],
  );
  const done = useCallback((confirmed: boolean) => {
    setAsking(false);
    pending.current?.(confirmed);
    pending.current = undefined;
  }, []);

  const confirmed = useMemo<Confirmed>(
    () =>
      async function run<T>(action: () => Promise<T>): Promise<T> {
        try {
          return await action();
        } catch (error) {
          if (!isApiError(error, 'reauthentication_required')) throw error;
          if (!(await ask())) throw error;
          return await action();
        }
      },
    [ask],
  );

  return (
    <ReauthContext.Provider value={confirmed}>
      {children}
      {asking ? <ReauthDialog onDone={done} /> : null}
    </ReauthContext.Provider>
  );
}

/** Runs a sensitive action, asking the user to confirm it's them when the API wants that first. */
export function useConfirmed(): Confirmed {
  const confirmed = useContext(ReauthContext);
  if (!confirmed) throw new Error('useConfirmed outside ReauthProvider');
  return confirmed;
}
