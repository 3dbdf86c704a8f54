import { readFileSync } from 'node:fs';

const LIST_FILE = new URL('../../../../assets/common-passwords.txt', import.meta.url);

let common: ReadonlySet<string> | undefined;

/** The shipped list of common passwords, lower-cased; read once, on first use. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    readFileSync(LIST_FILE, 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter(Boolean),
  );
  return common;
}

/**
 * Server-side password rules beyond length (checked by the contract schema): not a common password
 * and not the account's email. Returns the reason a password is refused, or undefined.
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const folded = password.trim().toLowerCase();
  if (commonPasswords().has(folded)) return 'is too common; choose a less predictable password';
  if (folded === email.toLowerCase() || folded === email.split('@')[0]?.toLowerCase()) {
    return 'must not be your email address';
  }
  return undefined;
}

/** Loads the list now, so the first registration does not pay for it. */
export function preloadPasswordPolicy(): number {
  return commonPasswords().size;
}
