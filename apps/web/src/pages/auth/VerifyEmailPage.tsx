import type { User } from '@parley/contract';
import { useState } from 'react';
import { api, isApiError } from '../../api/client.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useNavigate } from '../../router/router.js';
import { useSession } from '../../session/session-context.js';
import { ResendForm } from './ResendForm.js';
import { useLinkToken } from './use-link-token.js';

/**
 * Opened from the confirmation email. The link proves the mailbox is yours; the password you chose at
 * sign-up proves which sign-up was yours (someone else may have signed up with your address too). Both
 * together activate the account, and the same password then signs you in.
 */
export function VerifyEmailPage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const { setUser } = useSession();
  const form = useForm({ password: '' }, { password: 'Password' });
  // Confirmed, but signing in right after failed (rate limit, network): offer the sign-in page.
  const [confirmed, setConfirmed] = useState<User>();

  const confirm = async ({ password }: typeof form.values) => {
    const { user } = await api.verifyEmail({ token: token ?? '', password });
    try {
      const signedIn = await api.login({ email: user.email, password });
      // A just-activated account has no second factor; were there one, the sign-in page asks for it.
      if ('mfaRequired' in signedIn) {
        setConfirmed(user);
        return;
      }
      setUser(signedIn.user);
      navigate('/', { replace: true });
    } catch {
      setConfirmed(user);
    }
  };

  if (confirmed) {
    return (
      <Page title="Your email is confirmed">
        <p>Thanks, {confirmed.displayName}. Your Parley account is ready.</p>
        <Link
          className="button button-primary"
          to="/sign-in"
          state={{ reason: 'verified', email: confirmed.email }}
        >
          Sign in
        </Link>
      </Page>
    );
  }

  if (!token || isApiError(form.error, 'invalid_token')) {
    return (
      <Page title="We couldn't confirm your email">
        <p role="alert" className="alert-text">
          {token
            ? 'This link is invalid, has expired, or was already used.'
            : 'This link is missing its code.'}
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

  return (
    <Page title="Confirm your email">
      <p>
        Enter the password you chose when you signed up. It shows that this sign-up is yours, and signs you
        in.
      </p>
      <Form form={form} action={confirm}>
        <PasswordField
          kind="current"
          label="Password"
          hint="Signed up more than once? Any link we sent you works with the password of your sign-up."
          {...form.bind('password')}
        />
        <SubmitButton busy={form.busy} busyLabel="Confirming…">
          Confirm and sign in
        </SubmitButton>
      </Form>
      <ul className="auth-links">
        <li>
          Forgot the password? <Link to="/forgot-password">Choose a new one</Link>
        </li>
      </ul>
    </Page>
  );
}
