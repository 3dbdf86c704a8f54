import { useState } from 'react';
import { api } from '../../api/client.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { useConfirmed } from '../../session/reauth-context.js';
import { useUser } from '../../session/session-context.js';

/** Changes the password; the API signs out every other device. */
export function PasswordPage() {
  const user = useUser();
  const form = useForm(
    { currentPassword: '', newPassword: '' },
    { currentPassword: 'Current password', newPassword: 'New password' },
  );
  const [done, setDone] = useState(false);
  const confirmed = useConfirmed();

  const change = async (values: typeof form.values) => {
    setDone(false);
    await confirmed(() => api.changePassword(values));
    form.reset();
    setDone(true);
  };

  return (
    <Page
      title="Change password"
      lead="Changing your password signs out every other device. This one stays signed in."
    >
      <Form form={form} action={change}>
        <PasswordField kind="current" label="Current password" {...form.bind('currentPassword')} />
        <PasswordField
          kind="new"
          label="New password"
          strength={{ email: user.email, displayName: user.displayName }}
          {...form.bind('newPassword')}
        />
        <SubmitButton busy={form.busy} busyLabel="Changing password…">
          Change password
        </SubmitButton>
        <Status>{done ? 'Your password was changed. Your other devices were signed out.' : null}</Status>
      </Form>
    </Page>
  );
}
