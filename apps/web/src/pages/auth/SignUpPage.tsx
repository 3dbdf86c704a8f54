import { api } from '../../api/client.js';
import { ErrorSummary } from '../../components/ErrorSummary.js';
import { Field } from '../../components/Field.js';
import { Page } from '../../components/Page.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { Link, useNavigate } from '../../router/router.js';
import { PASSWORD_HINT } from './password-hint.js';

export function SignUpPage() {
  const navigate = useNavigate();
  const form = useForm(
    { displayName: '', email: '', password: '' },
    { displayName: 'Display name', email: 'Email', password: 'Password' },
  );

  const submit = form.onSubmit(async (values) => {
    await api.register(values);
    navigate('/sign-up/check-email', { state: { email: values.email.trim() } });
  });

  return (
    <Page title="Create your Parley account">
      <ErrorSummary fieldErrors={form.fieldErrors} formError={form.formError} />
      <form onSubmit={submit} noValidate className="form">
        <Field
          label="Display name"
          hint="How other people see you in conversations."
          autoComplete="name"
          maxLength={100}
          error={form.fieldErrors.displayName}
          {...form.bind('displayName')}
        />
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          hint="We send a link to confirm it's yours."
          error={form.fieldErrors.email}
          {...form.bind('email')}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={PASSWORD_HINT}
          revealable
          error={form.fieldErrors.password}
          {...form.bind('password')}
        />
        <SubmitButton busy={form.busy} busyLabel="Creating your account…">
          Create account
        </SubmitButton>
      </form>
      <ul className="auth-links">
        <li>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </li>
      </ul>
    </Page>
  );
}
