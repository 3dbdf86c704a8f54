import { api } from '../../api/client.js';
import { EmailField } from '../../components/EmailField.js';
import { Field } from '../../components/Field.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { PasswordField } from '../../components/PasswordField.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useNavigate } from '../../router/router.js';

export function SignUpPage() {
  const navigate = useNavigate();
  const form = useForm(
    { displayName: '', email: '', password: '' },
    { displayName: 'Display name', email: 'Email', password: 'Password' },
  );

  const signUp = async (values: typeof form.values) => {
    await api.register(values);
    navigate('/sign-up/check-email', { state: { email: values.email.trim() } });
  };

  return (
    <Page title="Create your Parley account">
      <Form form={form} action={signUp}>
        <Field
          label="Display name"
          hint="How other people see you in conversations."
          autoComplete="name"
          maxLength={100}
          {...form.bind('displayName')}
        />
        <EmailField hint="We send a link to confirm it's yours." {...form.bind('email')} />
        <PasswordField
          kind="new"
          label="Password"
          strength={{ email: form.values.email, displayName: form.values.displayName }}
          {...form.bind('password')}
        />
        <SubmitButton busy={form.busy} busyLabel="Creating your account…">
          Create account
        </SubmitButton>
      </Form>
      <ul className="auth-links">
        <li>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </li>
      </ul>
    </Page>
  );
}
