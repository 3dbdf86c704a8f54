import type { MfaMethod } from '@parley/contract';
import { useEffect, useState } from 'react';
import { api, describeError, isApiError } from '../../api/client.js';
import { Field } from '../../components/Field.js';
import { Form } from '../../components/Form.js';
import { PasskeyButton, usePasskeyCeremony } from '../../components/PasskeyButton.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { useNavigate } from '../../router/router.js';
import { getPasskeyAssertion } from '../../session/passkeys.js';
import { useSession } from '../../session/session-context.js';

interface SecondFactorStepProps {
  /** From the password step: what the code must answer, and which kinds of code the account has. */
  challenge: string;
  methods: readonly MfaMethod[];
  /** Where to go once signed in. */
  to: string;
  /** The challenge can no longer be answered (expired, used, too many wrong codes): back to the password. */
  onExpired(message: string): void;
  onBack(): void;
}

/**
 * The second step of signing in: a passkey, a code from the authenticator app, or one of the recovery
 * codes. It
 * replaces the password form in place; focus moves to the code field so keyboard and screen reader users
 * land where the next thing to type is.
 */
export function SecondFactorStep({ challenge, methods, to, onExpired, onBack }: SecondFactorStepProps) {
  const { setUser } = useSession();
  const navigate = useNavigate();
  const codeMethods = methods.includes('totp') || methods.includes('recovery');
  const [method, setMethod] = useState<'totp' | 'recovery'>(methods.includes('totp') ? 'totp' : 'recovery');
  const label = method === 'totp' ? 'Authentication code' : 'Recovery code';
  const form = useForm({ code: '' }, { code: label });
  /** The passkey answers this very sign-in: its WebAuthn challenge is the sign-in challenge. */
  const [passkey, answerWithPasskey] = usePasskeyCeremony(
    async () => {
      const options = await api.passkeyOptions({ challenge });
      const assertion = await getPasskeyAssertion(options);
      const { user } = await api.loginMfa({ challenge, passkey: assertion });
      setUser(user);
      navigate(to, { replace: true });
    },
    (error) => {
      if (isApiError(error, 'invalid_token')) {
        onExpired(
          'That sign-in attempt can’t be finished (it expired, or too many tries failed). Sign in again.',
        );
        return null;
      }
      return isApiError(error, 'validation_failed')
        ? 'That passkey could not be verified. Try again, or use another way.'
        : describeError(error);
    },
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `method` is the trigger: focus the new field.
  useEffect(() => {
    document.getElementById('field-code')?.focus();
  }, [method]);

  const verify = async (values: typeof form.values) => {
    try {
      const { user } = await api.loginMfa({ challenge, code: values.code });
      setUser(user);
      navigate(to, { replace: true });
    } catch (error) {
      if (isApiError(error, 'invalid_token')) {
        onExpired(
          'That sign-in attempt can’t be finished (it expired, or too many wrong codes were tried). Sign in again.',
        );
        return;
      }
      throw error;
    }
  };
  const other = method === 'totp' ? 'recovery' : 'totp';

  const passkeyBlock = methods.includes('passkey') ? (
    <div className="passkey-sign-in">
      <PasskeyButton ceremony={passkey} onStart={answerWithPasskey} primary={!codeMethods}>
        Use a passkey
      </PasskeyButton>
    </div>
  ) : null;

  if (!codeMethods) {
    return (
      <>
        <h2 className="section-title">Two-step sign-in</h2>
        <p>Confirm it’s you with one of the passkeys you added to your account.</p>
        {passkeyBlock}
        <ul className="auth-links">
          <li>
            <button type="button" className="button-link" onClick={onBack}>
              Start over with a different account
            </button>
          </li>
        </ul>
      </>
    );
  }

  return (
    <>
      <h2 className="section-title">Two-step sign-in</h2>
      <p>
        {method === 'totp'
          ? 'Open your authenticator app and enter the 6-digit code it shows for Parley.'
          : 'Enter one of the recovery codes you saved when you set up two-step sign-in. Each works once.'}
      </p>
      <Form form={form} action={verify}>
        <Field
          label={label}
          autoComplete="one-time-code"
          inputMode={method === 'totp' ? 'numeric' : 'text'}
          spellCheck={false}
          hint={method === 'totp' ? undefined : 'Like 7k2m-9qpz-4rtw-x8hd; dashes and case don’t matter.'}
          {...form.bind('code')}
        />
        <SubmitButton busy={form.busy} busyLabel="Checking…">
          Verify and sign in
        </SubmitButton>
      </Form>
      {passkeyBlock}
      <ul className="auth-links">
        {methods.includes(other) ? (
          <li>
            <button
              type="button"
              className="button-link"
              onClick={() => {
                form.reset();
                setMethod(other);
              }}
            >
              {other === 'recovery' ? 'Use a recovery code instead' : 'Use your authenticator app instead'}
            </button>
          </li>
        ) : null}
        <li>
          <button type="button" className="button-link" onClick={onBack}>
            Start over with a different account
          </button>
        </li>
      </ul>
    </>
  );
}
