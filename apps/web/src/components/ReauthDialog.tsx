import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, describeError } from '../api/client.js';
import { mfaQuery } from '../api/queries.js';
import { FieldError, useForm } from '../forms/use-form.js';
import { getPasskeyAssertion } from '../session/passkeys.js';
import { Field } from './Field.js';
import { Form } from './Form.js';
import { PasskeyButton, usePasskeyCeremony } from './PasskeyButton.js';
import { PasswordField } from './PasswordField.js';
import { SubmitButton } from './SubmitButton.js';

interface ReauthDialogProps {
  /** True once the API accepted the password or code; false when the user cancelled. */
  onDone(confirmed: boolean): void;
}

/**
 * "Confirm it's you": a modal dialog (the browser's own `<dialog>`: focus stays inside, Escape cancels,
 * focus returns to where it was) asking for the password, or a code from the authenticator app when the
 * account has one.
 */
export function ReauthDialog({ onDone }: ReauthDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const mfa = useQuery(mfaQuery);
  const [method, setMethod] = useState<'password' | 'code'>('password');
  // Field names of their own: the dialog opens over pages whose forms have a `password` field too.
  const labels = { reauthPassword: 'Password', reauthCode: 'Code from your authenticator app' };
  const form = useForm({ reauthPassword: '', reauthCode: '' }, labels);
  const field = method === 'password' ? 'reauthPassword' : 'reauthCode';

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    element?.querySelector('input')?.focus();
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `method` is the trigger: focus the new field.
  useEffect(() => {
    dialog.current?.querySelector('input')?.focus();
  }, [method]);

  // Closing the <dialog> first gives focus back to where it was before it opened.
  const finish = (confirmed: boolean) => {
    dialog.current?.close();
    onDone(confirmed);
  };

  const confirm = async (values: typeof form.values) => {
    const value = values[field];
    if (value.trim() === '') {
      throw new FieldError(field, method === 'password' ? 'Enter your password' : 'Enter the code');
    }
    try {
      await api.reauthenticate(method === 'password' ? { password: value } : { code: value });
    } catch (error) {
      // The API names `password` or `code`; this form's fields are named for the dialog.
      const message = error instanceof ApiError ? Object.values(error.fieldErrors)[0] : undefined;
      if (message) throw new FieldError(field, `${labels[field]} ${message}`);
      throw error;
    }
    finish(true);
  };
  const [passkey, confirmWithPasskey] = usePasskeyCeremony(
    async () => {
      const options = await api.passkeyOptions({ reauthenticate: true });
      await api.reauthenticate({ passkey: await getPasskeyAssertion(options) });
      finish(true);
    },
    (error) =>
      error instanceof ApiError && error.code === 'validation_failed'
        ? 'That passkey could not be verified. Try again, or use your password.'
        : describeError(error),
  );
  const switchTo = (next: 'password' | 'code') => {
    form.reset();
    setMethod(next);
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        finish(false);
      }}
    >
      <h2 id={titleId} className="dialog-title">
        Confirm it’s you
      </h2>
      <p>
        {method === 'password'
          ? 'For your security, enter your password again to continue.'
          : 'Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.'}
      </p>
      <Form form={form} action={confirm}>
        {method === 'password' ? (
          <PasswordField kind="current" label="Password" {...form.bind('reauthPassword')} />
        ) : (
          <Field
            label="Code from your authenticator app"
            autoComplete="one-time-code"
            spellCheck={false}
            {...form.bind('reauthCode')}
          />
        )}
        <div className="confirm-row">
          <SubmitButton busy={form.busy} busyLabel="Checking…">
            Confirm
          </SubmitButton>
          <button type="button" className="button button-secondary" onClick={() => finish(false)}>
            Cancel
          </button>
        </div>
      </Form>
      {mfa.data && mfa.data.passkeys.length > 0 ? (
        <div className="dialog-switch">
          <PasskeyButton ceremony={passkey} onStart={confirmWithPasskey}>
            Use a passkey instead
          </PasskeyButton>
        </div>
      ) : null}
      {mfa.data?.totp ? (
        <p className="dialog-switch">
          <button
            type="button"
            className="button-link"
            onClick={() => switchTo(method === 'password' ? 'code' : 'password')}
          >
            {method === 'password'
              ? 'Use a code from your authenticator app instead'
              : 'Use your password instead'}
          </button>
        </p>
      ) : null}
    </dialog>
  );
}
