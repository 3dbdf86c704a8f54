import type { MfaMethod } from '@parley/contract';
import { useState } from 'react';
import { api, describeError, isApiError } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasskeyButton, usePasskeyCeremony } from '../../components/PasskeyButton.js';
import { PasswordField } from '../../components/PasswordField.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useLocation, useNavigate } from '../../router/router.js';
import { readSignInState, SIGN_IN_NOTICES } from '../../session/notices.js';
import { getPasskeyAssertion, passkeysSupported } from '../../session/passkeys.js';
import { useSession } from '../../session/session-context.js';
import { SecondFactorStep } from './SecondFactorStep.js';

export function SignInPage() {
  const { state } = useLocation();
  const { reason, email, from } = readSignInState(state);
  const { setUser } = useSession();
  const navigate = useNavigate();
  const form = useForm({ email: email ?? '', password: '' }, { email: 'Email', password: 'Password' });
  const [resend, setResend] = useState<{ busy: boolean; message?: string; problem?: string }>({
    busy: false,
  });
  /** After a correct password on an account with a second factor: the challenge to answer. */
  const [second, setSecond] = useState<{ challenge: string; methods: MfaMethod[] }>();
  const [restarted, setRestarted] = useState<string>();
  /** Passkey-only sign-in: the browser offers the passkeys it holds for Parley (no email needed). */
  const [passkey, signInWithPasskey] = usePasskeyCeremony(
    async () => {
      const options = await api.passkeyOptions();
      const assertion = await getPasskeyAssertion(options);
      const result = await api.passkeySignIn({ assertion });
      setUser(result.user);
      navigate(from ?? '/', { replace: true });
    },
    (error) =>
      isApiError(error, 'invalid_credentials')
        ? 'That passkey could not sign you in. Use your email and password, or another passkey.'
        : describeError(error),
  );

  const signIn = async (values: typeof form.values) => {
    setResend({ busy: false });
    setRestarted(undefined);
    const result = await api.login(values);
    if ('mfaRequired' in result) {
      setSecond({ challenge: result.challenge, methods: result.methods });
      return;
    }
    setUser(result.user);
    navigate(from ?? '/', { replace: true });
  };
  const backToPassword = (message?: string) => {
    setSecond(undefined);
    setRestarted(message);
    form.reset({ email: form.values.email });
  };

  if (second) {
    return (
      <Page title="Sign in to Parley">
        <SecondFactorStep
          challenge={second.challenge}
          methods={second.methods}
          to={from ?? '/'}
          onExpired={backToPassword}
          onBack={() => backToPassword()}
        />
      </Page>
    );
  }

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
      {reason && !restarted ? <p className="notice">{SIGN_IN_NOTICES[reason]}</p> : null}
      {restarted ? <p className="notice">{restarted}</p> : null}
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
      {passkeysSupported() ? (
        <div className="passkey-sign-in">
          <p className="divider-text">or</p>
          <PasskeyButton ceremony={passkey} onStart={signInWithPasskey}>
            Sign in with a passkey
          </PasskeyButton>
        </div>
      ) : null}
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
