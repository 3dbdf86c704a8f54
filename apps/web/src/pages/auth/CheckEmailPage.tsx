import { Page } from '../../components/Page.js';
import { Link, useLocation } from '../../router/router.js';
import { stateString } from '../../session/notices.js';
import { ResendForm } from './ResendForm.js';

/** After sign-up: the link is in the mailbox; offer to send it again. */
export function CheckEmailPage() {
  const email = stateString(useLocation().state, 'email');
  return (
    <Page title="Check your email">
      <p>
        {email ? (
          <>
            We sent a confirmation link to <strong className="break">{email}</strong>.
          </>
        ) : (
          'We sent a confirmation link to the address you signed up with.'
        )}{' '}
        Open it and enter the password you just chose to finish creating your account. The link works once,
        for 24 hours.
      </p>
      <p className="muted">Nothing arrived after a few minutes? Check your spam folder, or send it again.</p>
      <ResendForm email={email} />
      <ul className="auth-links">
        <li>
          Already confirmed?{' '}
          <Link to="/sign-in" state={{ email }}>
            Sign in
          </Link>
        </li>
      </ul>
    </Page>
  );
}
