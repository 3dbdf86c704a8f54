import { useState } from 'react';
import { api } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Form } from '../../components/Form.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';

/**
 * Sends a new confirmation link. With a known address it is one button; otherwise it asks for the email.
 * The API answers the same for any address, and so does this form.
 */
export function ResendForm({
  email,
  label = 'Send the link again',
}: {
  email?: string | undefined;
  label?: string;
}) {
  const form = useForm({ email: email ?? '' }, { email: 'Email' });
  const [sentTo, setSentTo] = useState<string>();

  const resend = async (values: typeof form.values) => {
    setSentTo(undefined);
    await api.resendVerification(values);
    setSentTo(values.email.trim());
  };

  return (
    <Form form={form} action={resend} className="form form-inline">
      {email ? null : <EmailField {...form.bind('email')} />}
      <SubmitButton busy={form.busy} busyLabel="Sending…" variant="secondary">
        {label}
      </SubmitButton>
      <Status>
        {sentTo
          ? `If ${sentTo} still needs confirming, a new link is on its way. Check your inbox and spam folder.`
          : null}
      </Status>
    </Form>
  );
}
