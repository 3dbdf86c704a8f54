import { useState } from 'react';
import { api } from '../../api/client.js';
import { ErrorSummary } from '../../components/ErrorSummary.js';
import { Field } from '../../components/Field.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { PASSWORD_HINT } from '../auth/password-hint.js';

/** Changes the password; the API signs out every other device. */
export function PasswordPage() {
  const form = useForm(
    { currentPassword: '', newPassword: '' },
    { currentPassword: 'Current password', newPassword: 'New password' },
  );
  const [done, setDone] = useState(false);

  const submit = form.onSubmit(async (values) => {
    setDone(false);
    await api.changePassword(values);
    form.reset();
    setDone(true);
  });

  return (
    <Page
      title="Change password"
      lead="Changing your password signs out every other device. This one stays signed in."
    >
      <ErrorSummary fieldErrors={form.fieldErrors} formError={form.formError} />
      <form onSubmit={submit} noValidate className="form">
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          revealable
          error={form.fieldErrors.currentPassword}
          {...form.bind('currentPassword')}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={PASSWORD_HINT}
          revealable
          error={form.fieldErrors.newPassword}
          {...form.bind('newPassword')}
        />
        <SubmitButton busy={form.busy} busyLabel="Changing password…">
          Change password
        </SubmitButton>
        <Status>{done ? 'Your password was changed. Your other devices were signed out.' : null}</Status>
      </form>
    </Page>
  );
}
