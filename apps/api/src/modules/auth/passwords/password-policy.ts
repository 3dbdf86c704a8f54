import { readFileSync } from 'node:fs';
import { contextWords, passwordStrength, weakPasswordMessage } from '@parley/contract/password-strength';

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

/** Who the password is for and where: the words a guesser tries first (docs/security.md §2.14). */
export interface PasswordContext {
  readonly email: string;
  /** The account's display name (at registration: the one being registered). */
  readonly displayName: string;
  /** The host name of PUBLIC_URL, e.g. `chat.example.com`. */
  readonly hostName: string;
}

/**
 * Server-side password rules beyond length (checked by the contract schema): not the account's email,
 * strong enough by zxcvbn (score ≥ 3, with the context words as the attacker's first guesses:
 * `@parley/contract/password-strength`, which the web app runs while the user types, so its feedback is
 * the server's), and, for what zxcvbn lets through, not built from a context word (§2.14: the service's
 * names, the email's local part, the display name, the site's host name) or a common password once the
 * padding and repetition people add are stripped. Returns the reason a password is refused, or undefined. The breached-
 * password check (`breached-passwords.ts`) runs after these, only for passwords that pass them.
 */
export function passwordProblem(password: string, context: PasswordContext): string | undefined {
  const folded = password.trim().toLowerCase();
  const email = context.email.toLowerCase();
  const local = email.split('@')[0] ?? '';
  if (folded === email || folded === local) return 'must not be your email address';
  // First the rule the web app shows while the user types, so a refusal says what the form said.
  const strength = passwordStrength(password, contextWords(context));
  if (!strength.strongEnough) return weakPasswordMessage(strength);
  // Then what zxcvbn lets through: padded or repeated forms of a context word or a listed password.
  const personal = personalWords(context);
  const list = commonPasswords();
  for (const candidate of guessableCores(folded)) {
    if (CONTEXT_WORDS.has(candidate) || personal.has(candidate)) {
      return 'is built from a word everyone would guess here (your name, your email, this site); choose something else';
    }
    if (list.has(candidate)) return 'is too common; choose a less predictable password';
  }
  return undefined;
}

/**
 * The account's own context words, folded as `guessableCores` folds a password: the email's local part,
 * the display name (as typed, and without spaces and punctuation) and the host name of the site with
 * each of its labels but the top-level one. Words under 3 characters are left to the strength check.
 */
function personalWords(context: PasswordContext): Set<string> {
  const words = new Set<string>();
  const add = (value: string) => {
    const folded = value.trim().toLowerCase();
    if (folded.length >= 3) words.add(folded);
    const lettersOnly = folded.replace(/[\d\W_]+/gu, '');
    if (lettersOnly.length >= 3) words.add(lettersOnly);
  };
  add(context.email.split('@')[0] ?? '');
  add(context.displayName);
  const host = context.hostName.toLowerCase();
  if (!/^[\d.:[\]]+$/.test(host)) {
    add(host);
    const labels = host.split('.');
    for (const label of labels.length > 1 ? labels.slice(0, -1) : labels) add(label);
  }
  return words;
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
