import { randomBytes } from 'node:crypto';

/**
 * Recovery codes: 10 per set, each 16 characters of Crockford's base32 (80 bits from the CSPRNG), shown
 * as `xxxx-xxxx-xxxx-xxxx`. What is stored is a keyed hash of the normalised code (mfa-cipher.ts `macs`):
 * with 80 bits per code nothing can be guessed online, and without the key, which lives in the secrets
 * source and never in the database, a copy of the database gives nothing to test guesses against
 * (docs/security.md §2.17 on why a keyed hash and not argon2id).
 */

export const RECOVERY_CODES_PER_SET = 10;
const LENGTH = 16;
/** Crockford's base32: no i, l, o, u; 32 symbols, so a byte's low 5 bits pick one uniformly. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A fresh set of codes, as shown to the user (grouped by four). */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODES_PER_SET) {
    const bytes = randomBytes(LENGTH);
    const raw = [...bytes].map((byte) => ALPHABET[byte & 31]).join('');
    codes.add(raw.match(/.{4}/g)?.join('-') ?? raw);
  }
  return [...codes];
}

/**
 * A typed code in its stored form: case, spaces and dashes do not matter, and the letters Crockford
 * reads as digits (o → 0, i and l → 1) are read so. Undefined when it cannot be a recovery code.
 */
export function normaliseRecoveryCode(typed: string): string | undefined {
  const code = typed.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}
