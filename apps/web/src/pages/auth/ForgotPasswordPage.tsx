import { useState } from 'react';
import { api } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link } from '../../router/router.js';

/** Asks for a reset link. The API answers the same for any address, so this page does too. */
export function ForgotPasswordPage() {
  const form = useForm({ email: '' }, { email: 'Email' });
  const [sentTo, setSentTo] = useState<string>();

  const send = async (values: typeof form.values) => {
    await api.forgotPassword(values);
    setSentTo(values.email.trim());
  };

  if (sentTo) {
    return (
      <Page title="Check your email">
        <p role="status">
          If there is a Parley account for <strong className="break">{sentTo}</strong>, we sent it a link to
          choose a new password. The link works once, for 30 minutes.
        </p>
        <ul className="auth-links">
          <li>
            <Link to="/sign-in">Back to sign in</Link>
          </li>
        </ul>
      </Page>
    );
  }
  return (
    <Page
      title="Reset your password"
      lead="Enter the email of your account and we'll send you a link to choose a new password."
    >
      <Form form={form} action={send}>
        <EmailField {...form.bind('email')} />
        <SubmitButton busy={form.busy} busyLabel="Sending…">
          Send reset link
        </SubmitButton>
      </Form>
      <ul className="auth-links">
        <li>
          Remembered it? <Link to="/sign-in">Sign in</Link>
        </li>
      </ul>
    </Page>
  );
}
