import { validationError } from '../../../errors.js';
import type { AuthDeps } from '../auth.context.js';
import { passwordProblem } from './password-policy.js';

/**
 * Every rule a new password (registration, reset, change) must pass, in order: the local rules of
 * `passwordProblem` (not the email, no context word, not on the common list, zxcvbn score ≥ 3), then the
 * breached-password corpus (Pwned Passwords by k-anonymity). When the corpus cannot be asked (timeout,
 * outage, PWNED_PASSWORDS_URL empty) the local rules alone decide: fail-open, and the adapter logs it.
 * A refusal is 400 `validation_failed` on `body.<field>`, thrown before anything changes.
 */
export async function assertNewPassword(
  deps: Pick<AuthDeps, 'breaches' | 'publicUrl'>,
  field: string,
  password: string,
  account: { email: string; displayName: string },
): Promise<void> {
  const problem = passwordProblem(password, { ...account, hostName: deps.publicUrl.hostname });
  if (problem) throw validationError(`body.${field}`, problem);
  const verdict = await deps.breaches.check(password);
  if (verdict.kind === 'breached') {
    throw validationError(
      `body.${field}`,
      `has appeared in data breaches (${verdict.count.toLocaleString('en-US')} times), so attackers try it first; choose another`,
    );
  }
}
