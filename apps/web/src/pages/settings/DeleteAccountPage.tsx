import { api } from '../../api/client.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { useNavigate } from '../../router/router.js';
import { useConfirmed } from '../../session/reauth-context.js';
import { useSession, useUser } from '../../session/session-context.js';

/** Deletes the account after the password is typed again; every device is signed out. */
export function DeleteAccountPage() {
  const user = useUser();
  const { signedOut } = useSession();
  const navigate = useNavigate();
  const form = useForm({ password: '' }, { password: 'Password' });
  const confirmed = useConfirmed();

  const deleteAccount = async (values: typeof form.values) => {
    await confirmed(() => api.deleteMe(values));
    signedOut('account-deleted');
    navigate('/sign-in', { replace: true, state: { reason: 'account-deleted' } });
  };

  return (
    <Page title="Delete account">
      <div className="danger-zone">
        <p>
          Deleting <strong className="break">{user.email}</strong> signs you out on every device, and nobody
          can sign in to this account again. This can't be undone.
        </p>
      </div>
      <Form form={form} action={deleteAccount}>
        <PasswordField
          kind="current"
          label="Password"
          hint="Type your password to confirm it's you."
          {...form.bind('password')}
        />
        <SubmitButton busy={form.busy} busyLabel="Deleting account…" variant="danger">
          Delete my account
        </SubmitButton>
      </Form>
    </Page>
  );
}
