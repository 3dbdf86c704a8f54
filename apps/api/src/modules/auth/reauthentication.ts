import type { ReauthenticateBody } from '@parley/contract';
import type { FastifyRequest } from 'fastify';
import { fromDbTime } from '../../db/time.js';
import { AppError, validationError } from '../../errors.js';
import { type AuthContext, signedIn } from '../../http/auth.js';
import { newId } from '../../ids.js';
import type { IssuedToken } from '../../platform/tokens/token.types.js';
import { markReauthenticated } from '../sessions/session.repository.js';
import type { AuthDeps } from './auth.context.js';
import { type RequestOrigin, recordAuthEvent } from './auth-event.repository.js';
import { secondFactorMethods, useSecondFactor } from './mfa/second-factor.js';
import { reauthenticateWithPasskey } from './passkeys/passkey.service.js';
import { verifyPassword } from './passwords/password-hasher.js';
import { issueSessionToken } from './session.service.js';

/**
 * Sensitive actions — changing the password or the second factors, ending other sessions, deleting the
 * account — need the session to have proved who is behind it within REAUTH_MAX_AGE (5 min): by signing
 * in, or by POST /api/auth/reauthenticate with the password or a second-factor code. A session thief
 * who has neither cannot take the account over through them (ASVS 7.5.1, 7.5.2).
 */

export const reauthenticationRequired = () =>
  new AppError(
    'reauthentication_required',
    'Confirm it’s you first: enter your password, a code from your authenticator app or use a passkey, then try again',
  );

/** Throws `reauthentication_required` unless the session signed in or re-authenticated recently. */
export function assertRecentAuthentication(
  deps: Pick<AuthDeps, 'now' | 'mfaConfig'>,
  auth: AuthContext,
): void {
  const at = auth.reauthenticatedAt;
  if (!at || deps.now().getTime() - at.getTime() > deps.mfaConfig.reauthMaxAgeMs) {
    throw reauthenticationRequired();
  }
}

/** A preHandler for a sensitive route (behind `requireAuth`). */
export const recentAuthentication =
  (deps: Pick<AuthDeps, 'now' | 'mfaConfig'>) =>
  async (request: FastifyRequest): Promise<void> =>
    assertRecentAuthentication(deps, signedIn(request.auth));

/**
 * Proves again who is behind this session, with the password, a second-factor code or a passkey. On
 * success the session gets a new token generation and this returns a new token for it: every token
 * issued before (one a thief captured, say) stops working, so only the client that re-authenticated
 * carries the re-authentication (ASVS 7.2.4).
 */
export async function reauthenticate(
  deps: AuthDeps,
  auth: AuthContext,
  input: { body: ReauthenticateBody; origin: RequestOrigin },
): Promise<IssuedToken> {
  const { body, origin } = input;
  const failed = async (field: 'password' | 'code' | 'passkey', message: string) => {
    await recordAuthEvent(deps.db, {
      type: 'reauthentication_failed',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin,
      now: deps.now(),
    });
    return validationError(`body.${field}`, message);
  };
  if ('password' in body) {
    if (!(await verifyPassword(auth.user.password_hash, body.password)))
      throw await failed('password', 'is incorrect');
  } else if ('passkey' in body) {
    if (!(await reauthenticateWithPasskey(deps, auth, { assertion: body.passkey, origin })))
      throw await failed('passkey', 'could not be verified; ask for a new passkey prompt and try again');
  } else {
    const methods = await secondFactorMethods(deps.db, auth.userId);
    if (!methods.includes('totp')) {
      throw await failed('code', 'cannot be used: no authenticator app is set up; use your password');
    }
    if (!(await useSecondFactor(deps, deps.db, auth.userId, { code: body.code })))
      throw await failed('code', 'is incorrect');
  }
  const token = await renewSessionToken(deps, auth);
  await recordAuthEvent(deps.db, {
    type: 'reauthenticated',
    userId: auth.userId,
    sessionId: auth.sessionId,
    origin,
    now: deps.now(),
  });
  return token;
}

/**
 * After the user proved who they are on this session (re-authentication, or a password change, which
 * checks the current password): the session counts as recently authenticated and gets a new token
 * generation, and this returns its new token. Every token issued before stops working (ASVS 7.2.4).
 */
export async function renewSessionToken(
  deps: Pick<AuthDeps, 'db' | 'now' | 'tokens' | 'sessionTokenTtlSeconds'>,
  auth: AuthContext,
): Promise<IssuedToken> {
  const tokenGeneration = newId();
  const sessionEnds = await markReauthenticated(deps.db, {
    sessionId: auth.sessionId,
    now: deps.now(),
    tokenGeneration,
  });
  if (sessionEnds === undefined) throw new AppError('unauthenticated', 'Sign in to continue');
  return issueSessionToken(
    deps,
    auth.userId,
    auth.sessionId,
    new Date(fromDbTime(sessionEnds)),
    tokenGeneration,
  );
}
