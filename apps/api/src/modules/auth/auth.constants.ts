/**
 * Lifetimes from the security model (ARCHITECTURE.md, issue "Accounts, sessions and PASETO tokens").
 * The session token's lifetime is SESSION_TOKEN_TTL_SECONDS in the configuration; this is its default.
 */
export const SESSION_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** A session token older than this is replaced by a fresh one on its next use. */
export const SESSION_TOKEN_REISSUE_AFTER_MS = 60 * 60 * 1000;

/** An hour, or a quarter of a shorter token lifetime, so a used session always gets a fresh token. */
export function sessionTokenReissueAfterMs(ttlSeconds: number): number {
  return Math.min(SESSION_TOKEN_REISSUE_AFTER_MS, (ttlSeconds * 1000) / 4);
}
/** A session ends 30 days after login, however often its token is re-issued. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
export const VERIFY_EMAIL_TTL_SECONDS = 24 * 60 * 60;
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;
/** An email-change link: the user asked for it a moment ago and is waiting for it. */
export const EMAIL_CHANGE_TTL_SECONDS = 60 * 60;
/** `last_seen_at` is written at most this often per session, not on every request. */
export const SESSION_TOUCH_INTERVAL_MS = 60 * 1000;
/**
 * An unverified account's `password_hash`: not an argon2 hash, so no password matches it. The password is
 * chosen by activating one of its registrations (migration 0004 writes the same value).
 */
export const NO_PASSWORD = '!unverified';
/**
 * Verify and login compare a password with at most this many of an address's newest pending registrations,
 * so someone registering an address over and over cannot make either cost more than this many argon2 runs.
 */
export const MATCHABLE_REGISTRATIONS = 5;
