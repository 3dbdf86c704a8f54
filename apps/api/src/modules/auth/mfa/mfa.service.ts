import type { MfaStatus, TotpEnrolment } from '@parley/contract';
import type { Executor } from '../../../db/schema.js';
import { isUniqueViolation } from '../../../db/unique-violation.js';
import { AppError, rateLimited, validationError } from '../../../errors.js';
import type { AuthContext } from '../../../http/auth.js';
import type { UserRow } from '../../users/user.repository.js';
import type { AuthDeps } from '../auth.context.js';
import { secondFactorChangedEmail } from '../auth-emails.js';
import { type RequestOrigin, recordAuthEvent } from '../auth-event.repository.js';
import { removeAllPasskeys } from '../passkeys/passkey.repository.js';
import { listPasskeys } from '../passkeys/passkey.service.js';
import { endSessionsWithin } from '../session-end.js';
import {
  countRecoveryCodesLeft,
  insertRecoveryCodes,
  retireRecoveryCodes,
} from './recovery-code.repository.js';
import { newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes.js';
import { matchTotp, newTotpSecret, qrSvg, totpUri } from './totp.js';
import {
  abandonPendingTotp,
  confirmTotp,
  disableActiveTotp,
  findActiveTotp,
  findPendingTotp,
  insertPendingTotp,
} from './totp-factor.repository.js';

/**
 * The signed-in user's second factors (Settings → Security): an authenticator app, set up in two steps
 * (a secret, then a code from the app proves it was stored), and its recovery codes. Turning it on or
 * off ends every other session and emails a notice; an operator can turn it off for a user who lost it.
 */

export async function mfaStatus(deps: Pick<AuthDeps, 'db'>, userId: string): Promise<MfaStatus> {
  const totp = (await findActiveTotp(deps.db, userId)) !== undefined;
  return {
    totp,
    passkeys: await listPasskeys(deps.db, userId),
    recoveryCodesLeft: totp ? await countRecoveryCodesLeft(deps.db, userId) : 0,
  };
}

/** Starts setting up an authenticator: a new secret, sealed at rest, active only once confirmed. */
export async function startTotpEnrolment(
  deps: AuthDeps,
  auth: AuthContext,
  origin: RequestOrigin,
): Promise<TotpEnrolment> {
  if (await findActiveTotp(deps.db, auth.userId)) {
    throw new AppError('conflict', 'An authenticator app is already set up; remove it before adding another');
  }
  const now = deps.now();
  const secret = newTotpSecret();
  const sealed = await deps.mfa.seal(secret, auth.userId);
  await deps.db.transaction().execute(async (trx) => {
    await abandonPendingTotp(trx, auth.userId, now);
    await insertPendingTotp(trx, { userId: auth.userId, secretSealed: sealed, now });
    await recordAuthEvent(trx, {
      type: 'totp_enrolment_started',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin,
      now,
    });
  });
  const otpauthUri = totpUri(secret, auth.user.email);
  return { secret, otpauthUri, qrSvg: await qrSvg(otpauthUri) };
}

/** A new set of recovery codes in the transaction: the old set dies. Returns the codes to show once. */
async function replaceRecoveryCodes(deps: AuthDeps, trx: Executor, userId: string, now: Date) {
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(
    codes.map(async (code) => (await deps.mfa.macs(normaliseRecoveryCode(code) ?? code))[0] as string),
  );
  await retireRecoveryCodes(trx, userId, now);
  await insertRecoveryCodes(trx, { userId, hashes, now });
  return codes;
}

/**
 * Confirms the pending enrolment with a code from the app (which is then spent). In one transaction:
 * the factor becomes active, a first set of recovery codes replaces any old one, and every other
 * session ends (they were signed in with the password alone).
 */
export async function confirmTotpEnrolment(
  deps: AuthDeps,
  auth: AuthContext,
  input: { code: string; origin: RequestOrigin },
): Promise<string[]> {
  const pending = await findPendingTotp(deps.db, auth.userId);
  if (!pending) throw new AppError('conflict', 'Start setting up an authenticator app first');
  const decision = await deps.checkLimit('mfaAccount', auth.userId);
  if (!decision.allowed) throw rateLimited(decision.retryAfter, 'Too many codes tried for this account');
  const { plaintext } = await deps.mfa.open(pending.secret_sealed, auth.userId);
  const now = deps.now();
  const step = await matchTotp(plaintext, input.code, now, null);
  if (step === undefined) throw validationError('body.code', 'is incorrect');
  let codes: string[];
  try {
    codes = await endSessionsWithin(deps, async (trx, endSessions) => {
      if (!(await confirmTotp(trx, pending.id, step, now))) {
        throw new AppError('conflict', 'This setup was replaced or finished elsewhere; start again');
      }
      const fresh = await replaceRecoveryCodes(deps, trx, auth.userId, now);
      await recordAuthEvent(trx, {
        type: 'totp_enabled',
        userId: auth.userId,
        sessionId: auth.sessionId,
        origin: input.origin,
        now,
      });
      await endSessions({ userId: auth.userId, reason: 'mfa_enabled', exceptSessionId: auth.sessionId });
      return fresh;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        'conflict',
        'An authenticator app is already set up; remove it before adding another',
      );
    }
    throw error;
  }
  deps.mail.enqueue(secondFactorChangedEmail(auth.user.email, 'enabled'));
  return codes;
}

/** A new set of recovery codes for a user with an active authenticator; the old set stops working. */
export async function regenerateRecoveryCodes(
  deps: AuthDeps,
  auth: AuthContext,
  origin: RequestOrigin,
): Promise<string[]> {
  if (!(await findActiveTotp(deps.db, auth.userId))) {
    throw new AppError('conflict', 'Set up an authenticator app first: recovery codes come with it');
  }
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const codes = await replaceRecoveryCodes(deps, trx, auth.userId, now);
    await recordAuthEvent(trx, {
      type: 'recovery_codes_regenerated',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin,
      now,
    });
    return codes;
  });
}

/** What turning factors off needs: no keys (nothing is sealed or checked), so an operator tool can run it. */
export type OperatorDeps = Pick<AuthDeps, 'db' | 'now' | 'bus' | 'mail'>;

/**
 * Turns the second factors of `user` off: the authenticator (and any setup under way) and the recovery
 * codes, and for an operator also every passkey, and ends the sessions `scope` names, in one
 * transaction. Whether a factor was active.
 */
async function turnOffSecondFactors(
  deps: OperatorDeps,
  user: Pick<UserRow, 'id'>,
  scope: { reason: 'mfa_disabled' | 'operator'; exceptSessionId?: string },
  event: { type: 'totp_disabled' | 'operator_disabled_mfa'; sessionId?: string; origin: RequestOrigin },
): Promise<boolean> {
  const now = deps.now();
  return endSessionsWithin(deps, async (trx, endSessions) => {
    const passkeysRemoved = scope.reason === 'operator' ? await removeAllPasskeys(trx, user.id, now) : 0;
    const wasActive = (await disableActiveTotp(trx, user.id, now)) || passkeysRemoved > 0;
    await abandonPendingTotp(trx, user.id, now);
    await retireRecoveryCodes(trx, user.id, now);
    await recordAuthEvent(trx, { ...event, userId: user.id, now });
    await endSessions({ userId: user.id, ...scope });
    return wasActive;
  });
}

/** The user removes their authenticator app: sign-in needs only the password again. */
export async function disableTotp(deps: AuthDeps, auth: AuthContext, origin: RequestOrigin): Promise<void> {
  if (!(await findActiveTotp(deps.db, auth.userId))) {
    throw new AppError('not_found', 'No authenticator app is set up');
  }
  await turnOffSecondFactors(
    deps,
    auth.user,
    { reason: 'mfa_disabled', exceptSessionId: auth.sessionId },
    { type: 'totp_disabled', sessionId: auth.sessionId, origin },
  );
  deps.mail.enqueue(secondFactorChangedEmail(auth.user.email, 'disabled'));
}

/**
 * `npm run admin -- disable-mfa <email>`: for a user who lost every factor and proved who they are to
 * an operator (docs/operations.md). Every session ends; the user is told by email.
 */
export async function operatorDisableMfa(
  deps: OperatorDeps,
  user: UserRow,
  origin: RequestOrigin,
): Promise<boolean> {
  const wasActive = await turnOffSecondFactors(
    deps,
    user,
    { reason: 'operator' },
    {
      type: 'operator_disabled_mfa',
      origin,
    },
  );
  deps.mail.enqueue(secondFactorChangedEmail(user.email, 'disabled_by_operator'));
  return wasActive;
}
