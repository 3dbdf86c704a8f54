import { type StrengthContext, usePasswordStrength } from '../forms/use-password-strength.js';
import { Field, type FieldProps } from './Field.js';

/** The contract's password rule, in words, shown under every new-password field. */
export const PASSWORD_HINT =
  'At least 12 characters. A few unrelated words make a strong, memorable passphrase; common passwords are refused.';

interface PasswordFieldProps extends Omit<FieldProps, 'type' | 'revealable' | 'autoComplete'> {
  /** A `new` password (sign-up, reset, change) is explained by the password rule; a `current` one is not. */
  kind: 'new' | 'current';
  /**
   * For a `new` password: the account's email and name, which count against it. The field then shows,
   * while the user types, the strength and feedback the server will judge the password by.
   */
  strength?: StrengthContext;
}

const VERDICTS = ['Too easy to guess', 'Too easy to guess', 'Too easy to guess', 'Strong', 'Very strong'];

/** A password input with a Show/Hide button and the browser's password-manager hint. */
export function PasswordField({ kind, hint, strength, ...field }: PasswordFieldProps) {
  const typed = typeof field.value === 'string' ? field.value : '';
  const judged = usePasswordStrength(kind === 'new' && strength ? typed : '', strength);
  const rule = hint ?? (kind === 'new' ? PASSWORD_HINT : undefined);
  return (
    <Field
      {...field}
      type="password"
      revealable
      autoComplete={kind === 'new' ? 'new-password' : 'current-password'}
      hint={
        kind === 'new' && strength ? (
          <>
            {rule}
            <span className="password-strength" data-testid="password-strength" aria-live="polite">
              {judged ? (
                <>
                  <meter
                    className="password-meter"
                    min={0}
                    max={4}
                    low={2.5}
                    high={3.5}
                    optimum={4}
                    value={judged.score}
                    aria-hidden="true"
                  />
                  <span className={judged.strongEnough ? 'strength-ok' : 'strength-weak'}>
                    {VERDICTS[judged.score]}.
                  </span>
                  {[judged.warning, ...judged.suggestions].filter(Boolean).map((line) => (
                    <span key={line} className="strength-advice">
                      {' '}
                      {line}
                    </span>
                  ))}
                </>
              ) : null}
            </span>
          </>
        ) : (
          rule
        )
      }
    />
  );
}
