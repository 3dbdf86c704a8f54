import { useEffect, useState } from 'react';
import { useLocation } from '../../router/router.js';
import { stateString } from '../../session/notices.js';

/**
 * The token of an emailed link (`?token=`). It is moved out of the address bar into the history entry's
 * state at once, so it stays out of screenshots, shared URLs and later history, yet survives a reload.
 */
export function useLinkToken(): string | undefined {
  const { pathname, search, state } = useLocation();
  const [token] = useState(
    () => new URLSearchParams(search).get('token') ?? stateString(state, 'token') ?? undefined,
  );
  useEffect(() => {
    if (token && new URLSearchParams(window.location.search).has('token')) {
      window.history.replaceState({ token }, '', pathname);
    }
  }, [token, pathname]);
  return token || undefined;
}
