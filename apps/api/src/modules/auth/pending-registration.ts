import type { Executor } from '../../db/schema.js';
import { MATCHABLE_REGISTRATIONS } from './auth.constants.js';
import { verifyPassword } from './passwords/password-hasher.js';
import { pendingRegistrations, type RegistrationRow } from './registration.repository.js';

/**
 * The pending registration of an unverified account whose password this is, newest first among the
 * newest few. Without any pending registration it still runs one argon2 verification (timing).
 */
export async function registrationWithPassword(
  db: Executor,
  userId: string,
  password: string,
): Promise<RegistrationRow | undefined> {
  const pending = await pendingRegistrations(db, userId, MATCHABLE_REGISTRATIONS);
  if (pending.length === 0) {
    await verifyPassword(undefined, password);
    return undefined;
  }
  for (const registration of pending) {
    if (await verifyPassword(registration.password_hash, password)) return registration;
  }
  return undefined;
}
