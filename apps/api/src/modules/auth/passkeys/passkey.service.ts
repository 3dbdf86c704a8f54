import type {
  LimitReachedDetails,
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyAuthenticationOptions,
  PasskeyRegistrationOptions,
  PasskeySummary,
} from '@parley/contract';
import type { Executor } from '../../../db/schema.js';
import { fromDbTime } from '../../../db/time.js';
import { isUniqueViolation } from '../../../db/unique-violation.js';
import { AppError, validationError } from '../../../errors.js';
import type { AuthContext } from '../../../http/auth.js';
import { findLiveUserById, lockUser, type UserRow } from '../../users/user.repository.js';
import type { AuthDeps } from '../auth.context.js';
import { passkeyChangedEmail } from '../auth-emails.js';
import { type RequestOrigin, recordAuthEvent } from '../auth-event.repository.js';
import { findActiveTotp } from '../mfa/totp-factor.repository.js';
import { endSessionsWithin } from '../session-end.js';
import {
  findLivePasskeyByCredential,
  findOwnLivePasskey,
  insertPasskey,
  listLivePasskeys,
  type PasskeyRow,
  recordPasskeyUse,
  removePasskey,
  renamePasskey,
} from './passkey.repository.js';
import {
  authenticationOptions,
  challengeOf,
  checkAssertion,
  issueWebAuthnChallenge,
  registrationOptions,
  relyingParty,
  sha256Hex,
  verifyNewCredential,
} from './webauthn.js';
import { consumeWebAuthnChallenge } from './webauthn-challenge.repository.js';

/**
 * Passkeys (WebAuthn credentials): registered by a signed-in, recently authenticated user; each signs
 * in on its own (user verification makes it two factors), answers the second step after a password,
 * or re-authenticates a session. Several per account, named, listed with their last use, removable.
 */

export const presentPasskey = (row: PasskeyRow): PasskeySummary => ({
  id: row.id,
  name: row.name,
  createdAt: fromDbTime(row.created_at),
  lastUsedAt: row.last_used_at === null ? null : fromDbTime(row.last_used_at),
});

export async function listPasskeys(db: Executor, userId: string): Promise<PasskeySummary[]> {
  return (await listLivePasskeys(db, userId)).map(presentPasskey);
}

/** Refuses a new passkey when the account already has MAX_PASSKEYS_PER_USER live ones. */
function assertRoomForPasskey(deps: AuthDeps, live: number): void {
  const max = deps.mfaConfig.maxPasskeys;
  if (live < max) return;
  const details: LimitReachedDetails = { limit: 'passkeys_per_user', max };
  const passkeys = max === 1 ? 'passkey' : 'passkeys';
  throw new AppError(
    'limit_reached',
    `An account can have at most ${max} ${passkeys}; remove one first`,
    details,
  );
}

const expiredCeremony = (what: string) =>
  new AppError('invalid_token', `This ${what} expired or was already used; start again`);

/** Options for adding a passkey (re-authenticated session); the challenge is bound to this session. */
export async function startPasskeyRegistration(
  deps: AuthDeps,
  auth: AuthContext,
): Promise<PasskeyRegistrationOptions> {
  const existing = await listLivePasskeys(deps.db, auth.userId);
  assertRoomForPasskey(deps, existing.length);
  const challenge = await issueWebAuthnChallenge(deps, deps.db, {
    purpose: 'register',
    userId: auth.userId,
    sessionId: auth.sessionId,
  });
  return registrationOptions({
    rp: relyingParty(deps.publicUrl),
    challenge,
    timeoutMs: deps.mfaConfig.passkeyChallengeTtlMs,
    user: auth.user,
    existing,
  });
}

/**
 * Adds a passkey from an attestation over a challenge this session was given. The challenge is spent
 * whether or not the attestation verifies. When it is the account's first second factor, every other
 * session ends (they were signed in with the password alone), as turning on an authenticator app does.
 */
export async function addPasskey(
  deps: AuthDeps,
  auth: AuthContext,
  input: { name: string; attestation: PasskeyAttestation; origin: RequestOrigin },
): Promise<PasskeySummary> {
  const challenge = challengeOf(input.attestation);
  const now = deps.now();
  const spent =
    challenge &&
    (await consumeWebAuthnChallenge(deps.db, {
      id: sha256Hex(challenge),
      purpose: 'register',
      sessionId: auth.sessionId,
      now,
    }));
  if (!challenge || !spent || spent.userId !== auth.userId) throw expiredCeremony('passkey setup');
  const credential = await verifyNewCredential({
    rp: relyingParty(deps.publicUrl),
    challenge,
    attestation: input.attestation,
  });
  if (!credential) throw validationError('body.attestation', 'could not be verified');
  let row: PasskeyRow;
  try {
    row = await endSessionsWithin(deps, async (trx, endSessions) => {
      // Counted again under the user's lock: a ceremony started before the cap was reached ends here.
      await lockUser(trx, auth.userId);
      const passkeys = (await listLivePasskeys(trx, auth.userId)).length;
      assertRoomForPasskey(deps, passkeys);
      const first = passkeys === 0 && (await findActiveTotp(trx, auth.userId)) === undefined;
      const inserted = await insertPasskey(trx, {
        user_id: auth.userId,
        name: input.name,
        credential_id: credential.credentialId,
        credential_hash: sha256Hex(credential.credentialId),
        public_key: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ? JSON.stringify(credential.transports) : null,
        device_type: credential.deviceType,
        backed_up: credential.backedUp ? 1 : 0,
        aaguid: credential.aaguid,
        now,
      });
      await recordAuthEvent(trx, {
        type: 'passkey_added',
        userId: auth.userId,
        sessionId: auth.sessionId,
        origin: input.origin,
        now,
      });
      if (first) {
        await endSessions({ userId: auth.userId, reason: 'mfa_enabled', exceptSessionId: auth.sessionId });
      }
      return inserted;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', 'This passkey is already registered');
    throw error;
  }
  deps.mail.enqueue(passkeyChangedEmail(auth.user.email, 'added', row.name));
  return presentPasskey(row);
}

const passkeyNotFound = () => new AppError('not_found', 'Passkey not found');

export async function renameOwnPasskey(
  deps: AuthDeps,
  auth: AuthContext,
  input: { id: string; name: string; origin: RequestOrigin },
): Promise<PasskeySummary> {
  const row = await findOwnLivePasskey(deps.db, auth.userId, input.id);
  if (!row) throw passkeyNotFound();
  await renamePasskey(deps.db, row.id, input.name);
  await recordAuthEvent(deps.db, {
    type: 'passkey_renamed',
    userId: auth.userId,
    sessionId: auth.sessionId,
    origin: input.origin,
    now: deps.now(),
  });
  return presentPasskey({ ...row, name: input.name });
}

/** Removes one of the caller's passkeys (soft: `removed_at`); it no longer signs in anywhere. */
export async function removeOwnPasskey(
  deps: AuthDeps,
  auth: AuthContext,
  input: { id: string; origin: RequestOrigin },
): Promise<void> {
  const row = await findOwnLivePasskey(deps.db, auth.userId, input.id);
  if (!row) throw passkeyNotFound();
  const now = deps.now();
  const removed = await deps.db.transaction().execute(async (trx) => {
    if (!(await removePasskey(trx, row.id, now))) return false;
    await recordAuthEvent(trx, {
      type: 'passkey_removed',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin: input.origin,
      now,
    });
    return true;
  });
  if (!removed) throw passkeyNotFound();
  deps.mail.enqueue(passkeyChangedEmail(auth.user.email, 'removed', row.name));
}

/** Options for a passkey-only sign-in: any discoverable passkey of this site, user verification required. */
export async function startPasskeySignIn(deps: AuthDeps): Promise<PasskeyAuthenticationOptions> {
  const challenge = await issueWebAuthnChallenge(deps, deps.db, {
    purpose: 'sign_in',
    userId: null,
    sessionId: null,
  });
  return authenticationOptions({
    rp: relyingParty(deps.publicUrl),
    challenge,
    timeoutMs: deps.mfaConfig.passkeyChallengeTtlMs,
  });
}

/** Options for re-authenticating this session with one of the account's passkeys. */
export async function startPasskeyReauthentication(
  deps: AuthDeps,
  auth: AuthContext,
): Promise<PasskeyAuthenticationOptions> {
  const passkeys = await listLivePasskeys(deps.db, auth.userId);
  if (passkeys.length === 0) throw new AppError('not_found', 'This account has no passkey');
  const challenge = await issueWebAuthnChallenge(deps, deps.db, {
    purpose: 'reauthenticate',
    userId: auth.userId,
    sessionId: auth.sessionId,
  });
  return authenticationOptions({
    rp: relyingParty(deps.publicUrl),
    challenge,
    timeoutMs: deps.mfaConfig.passkeyChallengeTtlMs,
    allow: passkeys,
  });
}

/**
 * Options for the second step of a sign-in: the account's passkeys, and as the WebAuthn challenge the
 * sign-in challenge itself (random, single use, bound to the password step), so the assertion answers
 * exactly that sign-in.
 */
export async function secondStepPasskeyOptions(
  deps: AuthDeps,
  userId: string,
  challenge: string,
): Promise<PasskeyAuthenticationOptions> {
  const passkeys = await listLivePasskeys(deps.db, userId);
  if (passkeys.length === 0) throw new AppError('not_found', 'This account has no passkey');
  return authenticationOptions({
    rp: relyingParty(deps.publicUrl),
    challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
    timeoutMs: deps.mfaConfig.passkeyChallengeTtlMs,
    allow: passkeys,
  });
}

/**
 * Checks an assertion over `challenge` by a live passkey of `userId` (any user when null) and records
 * its use. Returns the passkey, or undefined when it does not verify (unknown or removed credential,
 * someone else's, bad signature, no user verification, or a counter that went backwards: the last is
 * also recorded as `passkey_counter_regressed`, as the library documents a cloned authenticator).
 */
export async function usePasskey(
  deps: Pick<AuthDeps, 'now' | 'publicUrl'>,
  db: Executor,
  input: { userId: string | null; challenge: string; assertion: PasskeyAssertion; origin?: RequestOrigin },
): Promise<PasskeyRow | undefined> {
  const passkey = await findLivePasskeyByCredential(db, sha256Hex(input.assertion.id));
  if (!passkey || (input.userId !== null && passkey.user_id !== input.userId)) return undefined;
  const userHandle = input.assertion.response.userHandle;
  if (userHandle !== undefined && userHandle !== Buffer.from(passkey.user_id, 'utf8').toString('base64url')) {
    return undefined;
  }
  const check = await checkAssertion({
    rp: relyingParty(deps.publicUrl),
    challenge: input.challenge,
    assertion: input.assertion,
    passkey,
  });
  const now = deps.now();
  if (check.kind === 'counter_regressed') {
    await recordAuthEvent(db, {
      type: 'passkey_counter_regressed',
      userId: passkey.user_id,
      origin: input.origin ?? { ip: '', userAgent: undefined },
      now,
    });
    return undefined;
  }
  if (check.kind === 'failed') return undefined;
  const recorded = await recordPasskeyUse(db, {
    id: passkey.id,
    expectedCounter: Number(passkey.counter),
    counter: check.counter,
    backedUp: check.backedUp,
    now,
  });
  return recorded ? passkey : undefined;
}

/**
 * A passkey-only sign-in: the assertion must answer a sign-in challenge this server issued (spent by
 * this try, right or wrong) and verify against a live passkey of a live, verified account.
 */
export async function signInWithPasskey(
  deps: AuthDeps,
  input: { assertion: PasskeyAssertion; origin: RequestOrigin },
): Promise<UserRow> {
  const challenge = challengeOf(input.assertion);
  const now = deps.now();
  const spent =
    challenge &&
    (await consumeWebAuthnChallenge(deps.db, {
      id: sha256Hex(challenge),
      purpose: 'sign_in',
      sessionId: null,
      now,
    }));
  if (!challenge || !spent) throw expiredCeremony('passkey sign-in');
  const passkey = await usePasskey(deps, deps.db, {
    userId: null,
    challenge,
    assertion: input.assertion,
    origin: input.origin,
  });
  const user = passkey ? await findLiveUserById(deps.db, passkey.user_id) : undefined;
  if (!passkey || !user || user.email_verified_at === null) {
    await recordAuthEvent(deps.db, {
      type: 'login_failed',
      userId: passkey?.user_id ?? null,
      origin: input.origin,
      now,
    });
    throw new AppError('invalid_credentials', 'That passkey could not sign you in');
  }
  return user;
}

/**
 * Spends a re-authentication challenge of this session and checks the assertion against the user's
 * passkeys. False when either fails.
 */
export async function reauthenticateWithPasskey(
  deps: AuthDeps,
  auth: AuthContext,
  input: { assertion: PasskeyAssertion; origin: RequestOrigin },
): Promise<boolean> {
  const challenge = challengeOf(input.assertion);
  const spent =
    challenge &&
    (await consumeWebAuthnChallenge(deps.db, {
      id: sha256Hex(challenge),
      purpose: 'reauthenticate',
      sessionId: auth.sessionId,
      now: deps.now(),
    }));
  if (!challenge || !spent || spent.userId !== auth.userId) return false;
  const used = await usePasskey(deps, deps.db, {
    userId: auth.userId,
    challenge,
    assertion: input.assertion,
    origin: input.origin,
  });
  return used !== undefined;
}
