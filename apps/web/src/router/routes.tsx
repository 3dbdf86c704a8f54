import { lazy, type ReactNode, Suspense } from 'react';
import { AppLayout } from '../layouts/AppLayout.js';
import { AuthLayout } from '../layouts/AuthLayout.js';
import { SettingsLayout } from '../layouts/SettingsLayout.js';
import { CheckEmailPage } from '../pages/auth/CheckEmailPage.js';
import { ConfirmEmailChangePage } from '../pages/auth/ConfirmEmailChangePage.js';
import { ForgotPasswordPage } from '../pages/auth/ForgotPasswordPage.js';
import { ResetPasswordPage } from '../pages/auth/ResetPasswordPage.js';
import { SignInPage } from '../pages/auth/SignInPage.js';
import { SignUpPage } from '../pages/auth/SignUpPage.js';
import { UnsubscribePage } from '../pages/auth/UnsubscribePage.js';
import { VerifyEmailPage } from '../pages/auth/VerifyEmailPage.js';
import { DeleteAccountPage } from '../pages/settings/DeleteAccountPage.js';
import { EmailPage } from '../pages/settings/EmailPage.js';
import { NotificationsPage } from '../pages/settings/NotificationsPage.js';
import { PasswordPage } from '../pages/settings/PasswordPage.js';
import { ProfilePage } from '../pages/settings/ProfilePage.js';
import { SecurityLogPage } from '../pages/settings/SecurityLogPage.js';
import { SecurityPage } from '../pages/settings/SecurityPage.js';
import { SessionsPage } from '../pages/settings/SessionsPage.js';

/**
 * Who may open a route: `guest` pages send signed-in users home, `member` pages send signed-out users to
 * sign in (and back afterwards), `anyone` pages (email links) work either way.
 */
export type Access = 'guest' | 'member' | 'anyone';

export interface Route {
  /** `/conversations/:id`-style pattern. */
  path: string;
  access: Access;
  render(params: Record<string, string>): ReactNode;
}

const auth = (page: ReactNode) => () => <AuthLayout>{page}</AuthLayout>;
const app = (page: ReactNode) => () => <AppLayout>{page}</AppLayout>;
const settings = (page: ReactNode) => app(<SettingsLayout>{page}</SettingsLayout>);

// The messaging screens (and their WebSocket client) load on demand: the account pages stay small.
const MessagingPage = lazy(() => import('../messaging/MessagingPage.js'));
const messaging =
  (view: 'home' | 'new' | 'conversation' | 'archived') => (params: Record<string, string>) => (
    <AppLayout wide>
      <Suspense
        fallback={
          <p className="loading-line page-loading" role="status">
            <span className="spinner" aria-hidden="true" /> Loading conversations…
          </p>
        }
      >
        <MessagingPage view={view} conversationId={params.id} />
      </Suspense>
    </AppLayout>
  );

/** Every page of the app. `/conversations/new` comes before `/conversations/:id`: the first match wins. */
export const ROUTES: readonly Route[] = [
  { path: '/', access: 'member', render: messaging('home') },
  { path: '/conversations/new', access: 'member', render: messaging('new') },
  { path: '/archived', access: 'member', render: messaging('archived') },
  { path: '/conversations/:id', access: 'member', render: messaging('conversation') },
  { path: '/settings', access: 'member', render: settings(<ProfilePage />) },
  { path: '/settings/email', access: 'member', render: settings(<EmailPage />) },
  { path: '/settings/notifications', access: 'member', render: settings(<NotificationsPage />) },
  { path: '/settings/password', access: 'member', render: settings(<PasswordPage />) },
  { path: '/settings/security', access: 'member', render: settings(<SecurityPage />) },
  { path: '/settings/sessions', access: 'member', render: settings(<SessionsPage />) },
  { path: '/settings/security-log', access: 'member', render: settings(<SecurityLogPage />) },
  { path: '/settings/delete-account', access: 'member', render: settings(<DeleteAccountPage />) },
  { path: '/sign-in', access: 'guest', render: auth(<SignInPage />) },
  { path: '/sign-up', access: 'guest', render: auth(<SignUpPage />) },
  { path: '/sign-up/check-email', access: 'guest', render: auth(<CheckEmailPage />) },
  { path: '/forgot-password', access: 'guest', render: auth(<ForgotPasswordPage />) },
  { path: '/verify-email', access: 'anyone', render: auth(<VerifyEmailPage />) },
  { path: '/reset-password', access: 'anyone', render: auth(<ResetPasswordPage />) },
  { path: '/confirm-email-change', access: 'anyone', render: auth(<ConfirmEmailChangePage />) },
  { path: '/unsubscribe', access: 'anyone', render: auth(<UnsubscribePage />) },
];
