import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';

/** What the app knows about the current URL. `state` is the history entry's state (survives reloads). */
export interface Location {
  readonly pathname: string;
  readonly search: string;
  readonly state: unknown;
  /** Increments on every navigation, so pages can tell a fresh visit from a re-render. */
  readonly key: number;
}

export interface NavigateOptions {
  replace?: boolean;
  state?: unknown;
}

interface RouterValue {
  location: Location;
  navigate(to: string, options?: NavigateOptions): void;
}

const RouterContext = createContext<RouterValue | undefined>(undefined);

// The page the browser loaded is key 0; every navigation after it gets a higher one.
let nextKey = 1;
const readLocation = (key: number): Location => ({
  pathname: window.location.pathname,
  search: window.location.search,
  state: window.history.state,
  key,
});

/**
 * A few dozen lines of History API routing instead of a router library: the app has a handful of flat
 * routes, and every kilobyte counts against the 150 KB initial-load budget.
 */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(() => readLocation(0));

  useEffect(() => {
    const onPopState = () => setLocation(readLocation(nextKey++));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const navigate = useCallback((to: string, options: NavigateOptions = {}) => {
    const state = options.state ?? null;
    if (options.replace) window.history.replaceState(state, '', to);
    else window.history.pushState(state, '', to);
    setLocation(readLocation(nextKey++));
  }, []);

  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

function useRouter(): RouterValue {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter outside <RouterProvider>');
  return router;
}

export const useLocation = (): Location => useRouter().location;
export const useNavigate = (): RouterValue['navigate'] => useRouter().navigate;

/** Matches `/conversations/:id`-style patterns; returns the params, or undefined. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return undefined;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; state?: unknown };

/** An ordinary `<a href>` (so it opens in a new tab and reads as a link) that navigates in place. */
export function Link({ to, state, onClick, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      rest.target
    ) {
      return;
    }
    event.preventDefault();
    navigate(to, { state });
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}

/** Redirects once rendered (replacing the history entry). */
export function Navigate({ to, state }: { to: string; state?: unknown }) {
  const navigate = useNavigate();
  useEffect(() => navigate(to, { replace: true, state }), [navigate, to, state]);
  return null;
}
