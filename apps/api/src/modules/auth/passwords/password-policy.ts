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
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (folded === email.toLowerCase() || folded === local) return 'must not be your email address';
  const list = commonPasswords();
  for (const candidate of guessableCores(folded)) {
    if (CONTEXT_WORDS.has(candidate) || (candidate.length >= 3 && candidate === local)) {
      return 'is built from a word everyone would guess here; choose something else';
    }
    if (list.has(candidate)) return 'is too common; choose a less predictable password';
  }
  return undefined;
}

/**
 * Words an attacker tries first against this service (ASVS 6.1.2 / 6.2.11): its name and the obvious
 * variations. Listed in docs/security.md.
 */
export const CONTEXT_WORDS: ReadonlySet<string> = new Set([
  'parley',
  'parleyapp',
  'parleychat',
  'parleymessenger',
  'parleyapi',
]);

/**
 * What a guesser would reduce a long password to: the password itself, without the digits and symbols
 * people pad common words with ("password1234!", "!!dragon2024"), the repeated unit of a repetition
 * ("qwertyqwerty", "abcabcabcabc"), and combinations. The 12-character minimum makes most list entries
 * too short to match exactly; these reductions let the list catch what users actually type instead.
 */
function guessableCores(folded: string): string[] {
  const cores = new Set<string>([folded]);
  const trimmed = folded.replace(/^[\d\W_]+|[\d\W_]+$/gu, '');
  if (trimmed.length >= 4) cores.add(trimmed);
  for (const value of [...cores]) {
    const lettersOnly = value.replace(/[\d\W_]+/gu, '');
    if (lettersOnly.length >= 4 && lettersOnly.length >= value.length - 6) cores.add(lettersOnly);
  }
  for (const value of [...cores]) {
    const repeated = /^(.{3,}?)\1+$/u.exec(value);
    if (repeated?.[1]) cores.add(repeated[1]);
  }
  return [...cores];
}

/** Loads the list now, so the first registration does not pay for it. */
export function preloadPasswordPolicy(): number {
  return commonPasswords().size;
}
