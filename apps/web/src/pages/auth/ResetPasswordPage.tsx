import { api, isApiError } from '../../api/client.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useNavigate } from '../../router/router.js';
import { useSession } from '../../session/session-context.js';
import { useLinkToken } from './use-link-token.js';

/** Opened from the reset email: sets a new password, which signs out every device. */
export function ResetPasswordPage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const { signedOut } = useSession();
  const form = useForm({ password: '' }, { password: 'New password' });

  const reset = async ({ password }: typeof form.values) => {
    await api.resetPassword({ token: token ?? '', password });
    signedOut('signed-out');
    navigate('/sign-in', { replace: true, state: { reason: 'password-reset' } });
  };

  const deadLink = !token || isApiError(form.error, 'invalid_token');
  return (
    <Page title="Choose a new password">
      {deadLink ? (
        <div className="error-summary" role="alert">
          <h2 className="error-summary-title">This link can't be used</h2>
          <p>It is invalid, has expired, or was already used. Reset links work once, for 30 minutes.</p>
          <p>
            <Link to="/forgot-password">Get a new reset link</Link>
          </p>
        </div>
      ) : (
        <Form form={form} action={reset}>
          <PasswordField kind="new" label="New password" strength={{}} {...form.bind('password')} />
          <SubmitButton busy={form.busy} busyLabel="Saving…">
            Set new password
          </SubmitButton>
        </Form>
      )}
    </Page>
  );
}
