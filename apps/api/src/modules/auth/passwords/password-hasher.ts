import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** @node-rs/argon2's `Algorithm.Argon2id`: a const enum, which isolated modules cannot read by name. */
const ARGON2ID = 2 as Algorithm;

/** OWASP's argon2id minimum (m = 19 MiB, t = 2, p = 1). */
export const ARGON2_OPTIONS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Hash of a random password, computed once: login for an unknown email verifies against it. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. Without a hash (no such account) it still runs one argon2
 * verification, so the response time does not tell whether the account exists.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined) {
    dummyHash ??= hashPassword(`no-account-${Math.random()}-${Date.now()}`);
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with weaker parameters than today's and should be replaced. */
export function needsRehash(storedHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
  if (!match) return true;
  const [, m, t, p] = match.map(Number);
  return (
    (m ?? 0) < ARGON2_OPTIONS.memoryCost ||
    (t ?? 0) < ARGON2_OPTIONS.timeCost ||
    (p ?? 0) !== ARGON2_OPTIONS.parallelism
  );
}

/** Warms the dummy hash at start-up so the first unknown-email login is not faster than the rest. */
export async function warmPasswordHasher(): Promise<void> {
  dummyHash ??= hashPassword(`no-account-${Math.random()}-${Date.now()}`);
  await dummyHash;
}
