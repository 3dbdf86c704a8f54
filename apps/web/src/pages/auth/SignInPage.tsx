import { useState } from 'react';
import { api, describeError, isApiError } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useLocation, useNavigate } from '../../router/router.js';
import { readSignInState, SIGN_IN_NOTICES } from '../../session/notices.js';
import { useSession } from '../../session/session-context.js';

export function SignInPage() {
  const { state } = useLocation();
  const { reason, email, from } = readSignInState(state);
  const { setUser } = useSession();
  const navigate = useNavigate();
  const form = useForm({ email: email ?? '', password: '' }, { email: 'Email', password: 'Password' });
  const [resend, setResend] = useState<{ busy: boolean; message?: string; problem?: string }>({
    busy: false,
  });

  const signIn = async (values: typeof form.values) => {
    setResend({ busy: false });
    const { user } = await api.login(values);
    setUser(user);
    navigate(from ?? '/', { replace: true });
  };

  const resendLink = () => {
    if (resend.busy) return;
    setResend({ busy: true });
    const address = form.values.email;
    api.resendVerification({ email: address }).then(
      () =>
        setResend({
          busy: false,
          message: `We sent a new confirmation link to ${address.trim()}. Open it, then sign in.`,
        }),
      (error: unknown) => setResend({ busy: false, problem: describeError(error) }),
    );
  };

  const notVerified = isApiError(form.error, 'email_not_verified');
  return (
    <Page title="Sign in to Parley">
      {reason ? <p className="notice">{SIGN_IN_NOTICES[reason]}</p> : null}
      <Status>{resend.message ?? resend.problem}</Status>
      <Form
        form={form}
        action={signIn}
        summary={
          notVerified ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={resendLink}
              aria-disabled={resend.busy || undefined}
            >
              {resend.busy ? 'Sending…' : 'Send a new confirmation link'}
            </button>
          ) : null
        }
      >
        <EmailField {...form.bind('email')} />
        <PasswordField kind="current" label="Password" {...form.bind('password')} />
        <SubmitButton busy={form.busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
      </Form>
      <ul className="auth-links">
        <li>
          <Link to="/forgot-password">Forgot your password?</Link>
        </li>
        <li>
          New to Parley? <Link to="/sign-up">Create an account</Link>
        </li>
      </ul>
    </Page>
  );
}
