import { Field, type FieldProps } from './Field.js';

/** The contract's password rule, in words, shown under every new-password field. */
export const PASSWORD_HINT =
  'At least 12 characters. A few unrelated words make a strong, memorable passphrase; common passwords are refused.';

interface PasswordFieldProps extends Omit<FieldProps, 'type' | 'revealable' | 'autoComplete'> {
  /** A `new` password (sign-up, reset, change) is explained by the password rule; a `current` one is not. */
  kind: 'new' | 'current';
}

/** A password input with a Show/Hide button and the browser's password-manager hint. */
export function PasswordField({ kind, hint, ...field }: PasswordFieldProps) {
  return (
    <Field
      {...field}
      type="password"
      revealable
      autoComplete={kind === 'new' ? 'new-password' : 'current-password'}
      hint={hint ?? (kind === 'new' ? PASSWORD_HINT : undefined)}
    />
  );
}
