import type { User } from '@parley/contract';
import { useEffect, useState } from 'react';
import { api, describeError, isApiError } from '../../api/client.js';
import { Page } from '../../components/Page.js';
import { Link } from '../../router/router.js';
import { useSession } from '../../session/session-context.js';
import { ResendForm } from './ResendForm.js';
import { useLinkToken } from './use-link-token.js';

// The token is single use: a second POST (React's development double effects, a re-render) would fail.
const verifications = new Map<string, Promise<User>>();
const verifyOnce = (token: string) => {
  let pending = verifications.get(token);
  if (!pending) {
    pending = api.verifyEmail({ token }).then(({ user }) => user);
    verifications.set(token, pending);
  }
  return pending;
};

type Outcome =
  | { state: 'verifying' }
  | { state: 'verified'; user: User }
  | { state: 'failed'; message: string };

/** Opened from the confirmation email: posts the token, then offers to sign in. */
export function VerifyEmailPage() {
  const token = useLinkToken();
  const { session } = useSession();
  const [outcome, setOutcome] = useState<Outcome>(
    token ? { state: 'verifying' } : { state: 'failed', message: 'This link is missing its code.' },
  );

  useEffect(() => {
    if (!token) return;
    let current = true;
    verifyOnce(token).then(
      (user) => current && setOutcome({ state: 'verified', user }),
      (error: unknown) =>
        current &&
        setOutcome({
          state: 'failed',
          message: isApiError(error, 'invalid_token')
            ? 'This link is invalid, has expired, or was already used.'
            : describeError(error),
        }),
    );
    return () => {
      current = false;
    };
  }, [token]);

  if (outcome.state === 'verifying') {
    return (
      <Page title="Confirming your email">
        <p className="loading-line" role="status">
          <span className="spinner" aria-hidden="true" /> One moment…
        </p>
      </Page>
    );
  }
  if (outcome.state === 'verified') {
    const signedIn = session.status === 'signed-in';
    return (
      <Page title="Your email is confirmed">
        <p>Thanks, {outcome.user.displayName}. Your Parley account is ready.</p>
        {signedIn ? (
          <Link className="button button-primary" to="/">
            Continue to Parley
          </Link>
        ) : (
          <Link
            className="button button-primary"
            to="/sign-in"
            state={{ reason: 'verified', email: outcome.user.email }}
          >
            Sign in
          </Link>
        )}
      </Page>
    );
  }
  return (
    <Page title="We couldn't confirm your email">
      <p role="alert" className="alert-text">
        {outcome.message}
      </p>
      <p>If you already confirmed your address, just sign in. Otherwise, we can send you a new link.</p>
      <ResendForm label="Send a new link" />
      <ul className="auth-links">
        <li>
          <Link to="/sign-in">Sign in</Link>
        </li>
      </ul>
    </Page>
  );
}
