import { createHash, randomBytes } from 'node:crypto';
import type { PasskeyAssertion } from '@parley/contract';
import { AppError, rateLimited, validationError } from '../../../errors.js';
import { findLiveUserById, type UserRow } from '../../users/user.repository.js';
import type { AuthDeps } from '../auth.context.js';
import { type RequestOrigin, recordAuthEvent } from '../auth-event.repository.js';
import { passwordFingerprint } from '../email-token.repository.js';
import {
  consumeMfaChallenge,
  findOpenMfaChallenge,
  insertMfaChallenge,
  recordMfaChallengeFailure,
} from './mfa-challenge.repository.js';
import { type SecondFactorAnswer, type UsedFactor, useSecondFactor } from './second-factor.js';

/**
 * The second step of signing in. A correct password for an account with a second factor earns a
 * challenge: 256 random bits the client holds, stored as their SHA-256 with the user, the password it
 * was earned with, a lifetime (MFA_CHALLENGE_TTL) and a count of wrong codes (at most
 * MFA_CHALLENGE_ATTEMPTS). It works once. A passkey assertion over the challenge itself is another way to
 * answer it.
 */

const challengeId = (challenge: string) => createHash('sha256').update(challenge).digest('hex');

export const invalidChallenge = (
  message = 'This sign-in attempt expired or was already used; sign in again',
) => new AppError('invalid_token', message);

/** Issues the challenge for a user whose password was just checked. */
export async function issueMfaChallenge(
  deps: AuthDeps,
  user: UserRow,
  origin: RequestOrigin,
): Promise<string> {
  const now = deps.now();
  const challenge = randomBytes(32).toString('base64url');
  await insertMfaChallenge(deps.db, {
    id: challengeId(challenge),
    userId: user.id,
    passwordFingerprint: passwordFingerprint(user.password_hash),
    now,
    expiresAt: new Date(now.getTime() + deps.mfaConfig.challengeTtlMs),
  });
  await recordAuthEvent(deps.db, { type: 'login_mfa_required', userId: user.id, origin, now });
  return challenge;
}

/**
 * The user a sign-in challenge was issued to, while it can still be answered. A closed challenge
 * (unknown, used, expired, too many wrong codes, or the password changed since) is `invalid_token`.
 */
export async function openChallengeUser(deps: AuthDeps, challenge: string): Promise<UserRow> {
  const open = await findOpenMfaChallenge(deps.db, {
    id: challengeId(challenge),
    now: deps.now(),
    maxFailures: deps.mfaConfig.challengeAttempts,
  });
  if (!open) throw invalidChallenge();
  const user = await findLiveUserById(deps.db, open.user_id);
  // A password changed (or reset) since the first step closes the way in that step opened.
  if (!user || passwordFingerprint(user.password_hash) !== open.password_fingerprint)
    throw invalidChallenge();
  return user;
}

/**
 * Answers a challenge with a TOTP or recovery code, or a passkey assertion over the challenge. Returns
 * the user and the factor used; the caller starts the session. A closed challenge (unknown, used,
 * expired, too many wrong answers, or the password changed since) is `invalid_token`; a wrong code or
 * assertion is a 400 on `code` or `passkey` and counts against the challenge; every try counts against
 * the account's LIMIT_MFA_ACCOUNT.
 */
export async function answerMfaChallenge(
  deps: AuthDeps,
  input: { challenge: string; origin: RequestOrigin } & ({ code: string } | { passkey: PasskeyAssertion }),
): Promise<{ user: UserRow; factor: UsedFactor }> {
  const user = await openChallengeUser(deps, input.challenge);
  const id = challengeId(input.challenge);
  const maxFailures = deps.mfaConfig.challengeAttempts;
  // Counted only once a real challenge names the account, so nobody can spend a victim's allowance blind.
  const decision = await deps.checkLimit('mfaAccount', user.id);
  if (!decision.allowed) throw rateLimited(decision.retryAfter, 'Too many codes tried for this account');

  // A passkey signs over the sign-in challenge itself (secondStepPasskeyOptions).
  const answer: SecondFactorAnswer =
    'passkey' in input
      ? { passkey: input.passkey, challenge: input.challenge, origin: input.origin }
      : { code: input.code };
  const field = 'passkey' in input ? 'body.passkey' : 'body.code';
  const factor = await deps.db.transaction().execute(async (trx) => {
    const used = await useSecondFactor(deps, trx, user.id, answer);
    // The code and the challenge are spent together or not at all.
    if (used && !(await consumeMfaChallenge(trx, { id, now: deps.now(), maxFailures })))
      throw invalidChallenge();
    return used;
  });
  const now = deps.now();
  if (!factor) {
    await recordAuthEvent(deps.db, { type: 'login_mfa_failed', userId: user.id, origin: input.origin, now });
    const failures = await recordMfaChallengeFailure(deps.db, { id, maxFailures });
    if (failures === undefined || failures >= maxFailures) {
      throw invalidChallenge('That code is not right, and too many wrong codes were tried; sign in again');
    }
    throw validationError(field, 'passkey' in input ? 'could not be verified' : 'is incorrect');
  }
  if (factor === 'recovery') {
    await recordAuthEvent(deps.db, {
      type: 'recovery_code_used',
      userId: user.id,
      origin: input.origin,
      now,
    });
  }
  return { user, factor };
}
