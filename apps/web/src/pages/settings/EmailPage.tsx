import { useState } from 'react';
import { api } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { useConfirmed } from '../../session/reauth-context.js';
import { useUser } from '../../session/session-context.js';

/**
 * Moves the account to another address: a link goes to the new one, a notice to the current one, and
 * nothing changes until the link is opened. The current password confirms it is really you (and, when the
 * last sign-in is not recent, the re-authentication dialog first).
 */
export function EmailPage() {
  const user = useUser();
  const form = useForm(
    { newEmail: '', password: '' },
    { newEmail: 'New email', password: 'Current password' },
  );
  const [sent, setSent] = useState<string>();
  const confirmed = useConfirmed();

  const change = async (values: typeof form.values) => {
    setSent(undefined);
    await confirmed(() => api.changeEmail(values));
    form.reset();
    setSent(
      `Check ${values.newEmail.trim()} for a link to confirm the change; it works for 1 hour. Until you open it, you keep signing in with ${user.email}.`,
    );
  };

  return (
    <Page
      title="Email address"
      lead="Your email is how you sign in and where we send account notices. Changing it signs out your other devices."
    >
      <dl className="facts">
        <div>
          <dt>Current email</dt>
          <dd className="break">{user.email}</dd>
        </div>
      </dl>
      <Form form={form} action={change}>
        <EmailField
          label="New email"
          hint="We send a link there; the change happens when you open it."
          {...form.bind('newEmail')}
        />
        <PasswordField kind="current" label="Current password" {...form.bind('password')} />
        <SubmitButton busy={form.busy} busyLabel="Sending link…">
          Change email
        </SubmitButton>
        <Status>{sent}</Status>
      </Form>
    </Page>
  );
}
