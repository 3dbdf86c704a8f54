import type { MfaMethod } from '@parley/contract';
import type { Executor } from '../../../db/schema.js';
import type { AuthDeps } from '../auth.context.js';
import { countRecoveryCodesLeft, useRecoveryCode } from './recovery-code.repository.js';
import { normaliseRecoveryCode } from './recovery-codes.js';
import { isTotpCode, matchTotp } from './totp.js';
import { claimTotpStep, findActiveTotp } from './totp-factor.repository.js';

/**
 * A user's second factors as one thing: which methods they have, and checking (and spending) a code.
 * The login challenge and re-authentication both go through here; passkeys will add a method here.
 */

export type UsedFactor = 'totp' | 'recovery';

/** How this user can pass a second step: empty when they have no second factor. */
export async function secondFactorMethods(db: Executor, userId: string): Promise<MfaMethod[]> {
  if (!(await findActiveTotp(db, userId))) return [];
  return (await countRecoveryCodesLeft(db, userId)) > 0 ? ['totp', 'recovery'] : ['totp'];
}

/**
 * Checks `code` against the user's active authenticator (six digits) or their current recovery codes,
 * and spends it: the TOTP step, or the recovery code. Undefined when it matches nothing (or was spent
 * already). A secret sealed under an older key is sealed again under the current one on the way.
 */
export async function useSecondFactor(
  deps: Pick<AuthDeps, 'mfa' | 'now'>,
  db: Executor,
  userId: string,
  code: string,
): Promise<UsedFactor | undefined> {
  const now = deps.now();
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
