import type { MfaMethod, PasskeyAssertion } from '@parley/contract';
import type { Executor } from '../../../db/schema.js';
import type { AuthDeps } from '../auth.context.js';
import type { RequestOrigin } from '../auth-event.repository.js';
import { hasLivePasskey } from '../passkeys/passkey.repository.js';
import { usePasskey } from '../passkeys/passkey.service.js';
import { countRecoveryCodesLeft, useRecoveryCode } from './recovery-code.repository.js';
import { normaliseRecoveryCode } from './recovery-codes.js';
import { isTotpCode, matchTotp } from './totp.js';
import { claimTotpStep, findActiveTotp } from './totp-factor.repository.js';

/**
 * A user's second factors as one thing: which methods they have, and checking (and spending) a code.
 * The login challenge and re-authentication both go through here. Recovery codes come with the
 * authenticator app; passkeys are a method of their own.
 */

export type UsedFactor = 'totp' | 'recovery' | 'passkey';

/** How this user can pass a second step: empty when they have no second factor. */
export async function secondFactorMethods(db: Executor, userId: string): Promise<MfaMethod[]> {
  const methods: MfaMethod[] = [];
  if (await findActiveTotp(db, userId)) {
    methods.push('totp');
    if ((await countRecoveryCodesLeft(db, userId)) > 0) methods.push('recovery');
  }
  if (await hasLivePasskey(db, userId)) methods.push('passkey');
  return methods;
}

/** Whether the user has any second factor (REQUIRE_MFA asks this on every request). */
export async function hasSecondFactor(db: Executor, userId: string): Promise<boolean> {
  return (await findActiveTotp(db, userId)) !== undefined || (await hasLivePasskey(db, userId));
}

/** An answer to a second step: a code as typed, or a passkey assertion over `challenge`. */
export type SecondFactorAnswer =
  | { code: string }
  | { passkey: PasskeyAssertion; challenge: string; origin: RequestOrigin };

/**
 * Checks `code` against the user's active authenticator (six digits) or their current recovery codes,
 * and spends it: the TOTP step, or the recovery code. Undefined when it matches nothing (or was spent
 * already). A secret sealed under an older key is sealed again under the current one on the way.
 */
export async function useSecondFactor(
  deps: Pick<AuthDeps, 'mfa' | 'now' | 'publicUrl'>,
  db: Executor,
  userId: string,
  answer: SecondFactorAnswer,
): Promise<UsedFactor | undefined> {
  const now = deps.now();
  if ('passkey' in answer) {
    const used = await usePasskey(deps, db, {
      userId,
      challenge: answer.challenge,
      assertion: answer.passkey,
      origin: answer.origin,
    });
    return used ? 'passkey' : undefined;
  }
  const { code } = answer;
  if (isTotpCode(code)) {
    const factor = await findActiveTotp(db, userId);
    if (!factor) return undefined;
    const opened = await deps.mfa.open(factor.secret_sealed, userId);
    const step = await matchTotp(opened.plaintext, code, now, factor.last_used_step);
    if (step === undefined) return undefined;
    const resealed = opened.current ? undefined : await deps.mfa.seal(opened.plaintext, userId);
    return (await claimTotpStep(db, factor.id, step, resealed)) ? 'totp' : undefined;
  }
  const normalised = normaliseRecoveryCode(code);
  if (!normalised) return undefined;
  const used = await useRecoveryCode(db, { userId, hashes: await deps.mfa.macs(normalised), now });
  return used ? 'recovery' : undefined;
}
