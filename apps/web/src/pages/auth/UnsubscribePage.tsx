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
 * Opened from "stop these emails" in a notification email, or from its List-Unsubscribe link in a
 * browser. Works signed out; one button does it, so a mail scanner that fetches the page changes nothing.
 */
export function UnsubscribePage() {
  const token = useLinkToken();
  const { session } = useSession();
  const form = useForm({}, {});
  const [done, setDone] = useState(false);
  const signedIn = session.status === 'signed-in';

  const unsubscribe = async () => {
    await api.unsubscribe({ token: token ?? '' });
    setDone(true);
  };

  if (done) {
    return (
      <Page title="You're unsubscribed">
        <p role="status">We will not email you about unread messages any more.</p>
        <p>You can turn these emails back on in your notification settings at any time.</p>
        <ul className="auth-links">
          <li>
            <Link to={signedIn ? '/settings/notifications' : '/sign-in'}>
              {signedIn ? 'Notification settings' : 'Sign in'}
            </Link>
          </li>
        </ul>
      </Page>
    );
  }

  if (!token || isApiError(form.error, 'invalid_token')) {
    return (
      <Page title="We couldn't unsubscribe you">
        <p role="alert" className="alert-text">
          {token ? 'This link is invalid or has expired.' : 'This link is missing its code.'}
        </p>
        <p>Sign in and turn off email notifications in Settings → Notifications instead.</p>
        <ul className="auth-links">
          <li>
            <Link to="/settings/notifications">Notification settings</Link>
          </li>
        </ul>
      </Page>
    );
  }

  return (
    <Page title="Stop notification emails?">
      <p>
        We will stop emailing you about messages you miss. Account emails (like password resets) still arrive.
      </p>
      <Form form={form} action={unsubscribe}>
        <SubmitButton busy={form.busy} busyLabel="Unsubscribing…">
          Unsubscribe
        </SubmitButton>
      </Form>
    </Page>
  );
}
