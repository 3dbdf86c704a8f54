import type { User } from '@parley/contract';
import { useState } from 'react';
import { api, isApiError } from '../../api/client.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link } from '../../router/router.js';
import { useSession } from '../../session/session-context.js';
import { useLinkToken } from './use-link-token.js';

/**
 * Opened from the link sent to the new address. One button makes the change (a mail scanner that
 * fetches the page changes nothing); the account's other devices are signed out, this one stays.
 */
export function ConfirmEmailChangePage() {
  const token = useLinkToken();
  const { session, setUser } = useSession();
  const form = useForm({}, {});
  const [changed, setChanged] = useState<User>();

  const confirm = async () => {
    const user = await api.confirmEmailChange({ token: token ?? '' });
    if (session.status === 'signed-in' && session.user.id === user.id) setUser(user);
    setChanged(user);
  };

  if (changed) {
    const signedIn = session.status === 'signed-in' && session.user.id === changed.id;
    return (
      <Page title="Your email is changed">
        <p role="status">
          Your Parley account now uses <strong className="break">{changed.email}</strong>. Your other devices
          were signed out.
        </p>
        {signedIn ? (
          <Link className="button button-primary" to="/settings/email">
            Back to settings
          </Link>
        ) : (
          <Link className="button button-primary" to="/sign-in" state={{ email: changed.email }}>
            Sign in with your new email
          </Link>
        )}
      </Page>
    );
  }

  if (!token || isApiError(form.error, 'invalid_token')) {
    return (
      <Page title="We couldn't change your email">
        <p role="alert" className="alert-text">
          {token
            ? 'This link is invalid, has expired, or was already used. It also stops working when the password or email of the account changes.'
            : 'This link is missing its code.'}
        </p>
        <p>Ask for a new link from the Email page of your account settings.</p>
        <ul className="auth-links">
          <li>
            <Link to="/settings/email">Email settings</Link>
          </li>
        </ul>
      </Page>
    );
  }

  return (
    <Page title="Confirm your new email">
      <p>Use this address for your Parley account from now on? Your other devices will be signed out.</p>
      <Form form={form} action={confirm}>
        <SubmitButton busy={form.busy} busyLabel="Changing…">
          Confirm new email
        </SubmitButton>
      </Form>
    </Page>
  );
}
