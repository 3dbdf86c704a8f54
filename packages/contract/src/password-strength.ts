import { type TranslationKeys, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * How guessable a new password is, judged the same way by the API (which refuses weak ones) and by the
 * web app (which shows the same feedback while the user types, from a lazily loaded chunk). zxcvbn-ts
 * with its common-password and diceware lists and keyboard graphs; the user's own details (email, name,
 * the service's name and host) count as the first words an attacker tries.
 *
 * Imported as `@parley/contract/password-strength`, never through the package index, so the zxcvbn
 * dictionaries stay out of anything that only needs the wire schemas.
 */

/** Scores are zxcvbn's 0–4; below this a new password is refused (≈ 10^8 guesses: "safely unguessable"). */
export const MIN_PASSWORD_SCORE = 3;

/** zxcvbn's feedback keys in English (the core ships only the keys; this avoids a whole language pack). */
const ENGLISH: TranslationKeys = {
  warnings: {
    straightRow: 'Straight rows of keys on your keyboard are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated character patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common character sequences like "abc" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is a heavily used password.',
    topHundred: 'This is a frequently used password.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'Single words are easy to guess.',
    namesByThemselves: 'Single names or surnames are easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'Avoid your name, your email address and the name of this site.',
    pwned: 'Your password was exposed by a data breach on the Internet.',
  },
  suggestions: {
    l33t: "Avoid predictable letter substitutions like '@' for 'a'.",
    reverseWords: 'Avoid reversed spellings of common words.',
    allUppercase: 'Capitalize some, but not all letters.',
    capitalization: 'Capitalize more than the first letter.',
    dates: 'Avoid dates and years that are associated with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that are associated with you.',
    sequences: 'Avoid common character sequences.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Use longer keyboard patterns and change typing direction multiple times.',
    anotherWord: 'Add more words that are less common.',
    useWords: 'Use multiple words, but avoid common phrases.',
    noNeed: 'You can create strong passwords without using symbols, numbers, or uppercase letters.',
    pwned: 'If you use this password elsewhere, you should change it.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

/**
 * Passwords published as examples where everyone reads them (xkcd 936, pangrams, filler text). zxcvbn
 * scores `correcthorsebatterystaple` 4 (four random diceware words), but it is the first passphrase every
 * cracking list tries. The name contains `passwords`, so zxcvbn words its feedback as for a common password.
 */
const PUBLISHED_EXAMPLES = [
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'tr0ub4dor&3',
  'thequickbrownfoxjumpsoverthelazydog',
  'the quick brown fox jumps over the lazy dog',
  'loremipsumdolorsitamet',
  'lorem ipsum dolor sit amet',
];

let factory: ZxcvbnFactory | undefined;

/** Built on first use: ranking the dictionaries takes a moment, and only new-password forms need it. */
function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: ENGLISH,
    graphs: adjacencyGraphs,
    dictionary: { ...dictionary, 'passwords-published': PUBLISHED_EXAMPLES },
    // Off: it costs ~15× the check time for little gain once the breach check runs on the server.
    useLevenshteinDistance: false,
  });
  return factory;
}

export interface PasswordStrength {
  /** zxcvbn's 0 (too guessable) to 4 (very unguessable). */
  readonly score: 0 | 1 | 2 | 3 | 4;
  /** Whether the score reaches MIN_PASSWORD_SCORE. */
  readonly strongEnough: boolean;
  /** Why it is weak, in words, or null. */
  readonly warning: string | null;
  /** What would make it stronger. */
  readonly suggestions: readonly string[];
}

/**
 * Words about this account and this service that a guesser tries first: the email and its local part,
 * the display name and its words, `parley`, and the host name of the site and its labels. Passed to
 * zxcvbn as user inputs, so a password built from them scores low.
 */
export function contextWords(context: {
  email?: string | undefined;
  displayName?: string | undefined;
  hostName?: string | undefined;
}): string[] {
  const words = new Set<string>(['parley']);
  const add = (value: string | undefined) => {
    const folded = value?.trim().toLowerCase();
    if (!folded) return;
    words.add(folded);
    for (const part of folded.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) words.add(part);
  };
  const email = context.email?.trim().toLowerCase();
  if (email) {
    words.add(email);
    add(email.split('@')[0]);
  }
  add(context.displayName);
  const host = context.hostName?.trim().toLowerCase();
  if (host && !/^[\d.:[\]]+$/.test(host)) {
    words.add(host);
    // Every label but the top-level domain: `chat.example.com` gives `chat` and `example`.
    const labels = host.split('.');
    for (const label of labels.length > 1 ? labels.slice(0, -1) : labels)
      if (label.length >= 3) words.add(label);
  }
  return [...words];
}

/** Scores a password, with the words of `contextWords` counted as the attacker's first guesses. */
export function passwordStrength(password: string, userInputs: readonly string[] = []): PasswordStrength {
  const result = zxcvbn().check(password, [...userInputs]);
  return {
    score: result.score,
    strongEnough: result.score >= MIN_PASSWORD_SCORE,
    warning: result.feedback.warning || null,
    suggestions: result.feedback.suggestions,
  };
}

/** The refusal message for a weak password: the warning and suggestions, as the form shows them. */
export function weakPasswordMessage(strength: PasswordStrength): string {
  const advice = [strength.warning, ...strength.suggestions].filter(Boolean).join(' ');
  return `is too easy to guess.${advice ? ` ${advice}` : ' Add more words that are less common.'}`;
}
