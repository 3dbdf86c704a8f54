import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createQueryClient } from './api/queries.js';
import { AppLayout } from './layouts/AppLayout.js';
import { AuthLayout } from './layouts/AuthLayout.js';
import { NotFoundPage } from './pages/app/NotFoundPage.js';
import { matchPath, Navigate, RouterProvider, useLocation } from './router/router.js';
import { ROUTES } from './router/routes.js';
import { ENROLMENT_PATH, useMfaEnrolmentRequired } from './session/mfa-enrolment.js';
import { ReauthProvider } from './session/reauth-context.js';
import { SessionProvider, useSession } from './session/session-context.js';

/** Picks the route for the URL and applies its access rule against the session. */
function CurrentRoute() {
  const { pathname, search } = useLocation();
  const { session } = useSession();
  const enrolmentRequired = useMfaEnrolmentRequired();

  if (session.status === 'loading') {
    return (
      <div className="boot" role="status">
        <span className="spinner" aria-hidden="true" />
        <span className="visually-hidden">Loading Parley…</span>
      </div>
    );
  }
  if (session.status === 'unreachable') return <Unreachable retry={session.retry} />;
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    if (route.access === 'member' && session.status === 'signed-out') {
      return <Navigate to="/sign-in" state={{ from: `${pathname}${search}`, reason: session.reason }} />;
    }
    if (route.access === 'guest' && session.status === 'signed-in') return <Navigate to="/" />;
    // REQUIRE_MFA: an account without a second factor sets one up before anything else.
    if (
      enrolmentRequired &&
      session.status === 'signed-in' &&
      route.access === 'member' &&
      pathname !== ENROLMENT_PATH
    ) {
      return <Navigate to={ENROLMENT_PATH} />;
    }
    return <>{route.render(params)}</>;
  }
  return session.status === 'signed-in' ? (
    <AppLayout>
      <NotFoundPage />
    </AppLayout>
  ) : (
    <AuthLayout>
      <NotFoundPage />
    </AuthLayout>
  );
}

/** Started without a network (e.g. the installed app, offline): says so and keeps trying. */
function Unreachable({ retry }: { retry(): void }) {
  return (
    <main className="boot boot-unreachable">
      <h1>Parley</h1>
      <p role="status">Can’t reach Parley. Reconnecting…</p>
      <button type="button" className="button button-primary" onClick={retry}>
        Try now
      </button>
    </main>
  );
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider>
        <SessionProvider>
          <ReauthProvider>
            <CurrentRoute />
          </ReauthProvider>
        </SessionProvider>
      </RouterProvider>
    </QueryClientProvider>
  );
}
