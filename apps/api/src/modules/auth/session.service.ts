import type { MfaMethod } from '@parley/contract';
import { fromDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import type { AuthContext } from '../../http/auth.js';
import { newId } from '../../ids.js';
import type { IssuedToken } from '../../platform/tokens/token.types.js';
import { createSession } from '../sessions/session.repository.js';
import { findLiveUserByEmail, type UserRow, updateLiveUser } from '../users/user.repository.js';
import {
  SESSION_LIFETIME_MS,
  SESSION_TOUCH_INTERVAL_MS,
  sessionTokenReissueAfterMs,
} from './auth.constants.js';
import type { AuthDeps } from './auth.context.js';
import { type RequestOrigin, recordAuthEvent } from './auth-event.repository.js';
import { noticeNewSignIn } from './devices/new-sign-in-notice.js';
import { issueMfaChallenge } from './mfa/mfa-challenge.js';
import { hasSecondFactor, secondFactorMethods } from './mfa/second-factor.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords/password-hasher.js';
import { registrationWithPassword } from './pending-registration.js';
import { endSessions } from './session-end.js';

/** Who is making a request: declared with the auth plugin's interface, which this module fulfils. */
export type { AuthContext };

export interface SignedIn {
  user: UserRow;
  session: { id: string };
  token: IssuedToken;
}

/** What the password step gives: a session, or (with a second factor) a challenge for the second step. */
export type LoginResult =
  | ({ kind: 'signed_in' } & SignedIn)
  | { kind: 'mfa_required'; challenge: string; methods: MfaMethod[] };

/** The session a request already carried, which a new sign-in in the same browser replaces. */
export type PresentedSession = Pick<AuthContext, 'userId' | 'sessionId'> | undefined;

const invalidCredentials = () => new AppError('invalid_credentials', 'Email or password is incorrect');

/**
 * Issues an `active_session` token that never outlives its session's absolute end, carrying the
 * session's token generation (`gen`) once a re-authentication set one.
 */
export async function issueSessionToken(
  deps: Pick<AuthDeps, 'now' | 'tokens' | 'sessionTokenTtlSeconds'>,
  userId: string,
  sessionId: string,
  sessionEnds: Date,
  generation: string | null = null,
): Promise<IssuedToken> {
  const remaining = Math.floor((sessionEnds.getTime() - deps.now().getTime()) / 1000);
  return deps.tokens.issue('active_session', {
    subject: userId,
    jti: newId(),
    ttlSeconds: Math.max(1, Math.min(deps.sessionTokenTtlSeconds, remaining)),
    claims: generation === null ? { sid: sessionId } : { sid: sessionId, gen: generation },
  });
}

/**
 * Starts a session for a user who just proved who they are (password, and the second factor when they
 * have one): a new row and token whose id nothing the client sent chose, counted as a fresh
 * authentication. The session the request carried, if any, ends: a sign-in replaces it (ASVS 7.2.4).
 */
export async function startSession(
  deps: AuthDeps,
  user: UserRow,
  input: { origin: RequestOrigin; replaces: PresentedSession },
): Promise<SignedIn> {
  const now = deps.now();
  const session = await createSession(deps.db, {
    userId: user.id,
    userAgent: input.origin.userAgent,
    ip: input.origin.ip,
    now,
    lifetimeMs: SESSION_LIFETIME_MS,
  });
  await recordAuthEvent(deps.db, {
    type: 'login_succeeded',
    userId: user.id,
    sessionId: session.id,
    origin: input.origin,
    now,
  });
  await noticeNewSignIn(deps, user, input.origin);
  if (input.replaces) {
    await endSessions(deps, {
      userId: input.replaces.userId,
      sessionId: input.replaces.sessionId,
      reason: 'signed_in_again',
    });
  }
  const token = await issueSessionToken(deps, user.id, session.id, new Date(fromDbTime(session.expires_at)));
  return { user, session: { id: session.id }, token };
}

/**
 * The password step of signing in. Without a second factor it starts the session; with one it issues
 * a challenge (no session, no cookie) that POST /api/auth/login/mfa completes with a code.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; origin: RequestOrigin; replaces: PresentedSession },
): Promise<LoginResult> {
  const now = deps.now();
  const user = await findLiveUserByEmail(deps.db, input.email);
  if (user && user.email_verified_at === null) {
    // An unverified account has no password yet: a password of one of its registrations earns the hint.
    if (await registrationWithPassword(deps.db, user.id, input.password)) {
      throw new AppError(
        'email_not_verified',
        'Confirm your email address first; we can send the link again',
      );
    }
    await recordAuthEvent(deps.db, { type: 'login_failed', userId: user.id, origin: input.origin, now });
    throw invalidCredentials();
  }
  // Runs argon2 even without an account, so timing does not reveal which emails are registered.
  const passwordOk = await verifyPassword(user?.password_hash, input.password);
  if (!user || !passwordOk) {
    await recordAuthEvent(deps.db, {
      type: 'login_failed',
      userId: user?.id ?? null,
      origin: input.origin,
      now,
    });
    throw invalidCredentials();
  }
  let current = user;
  if (needsRehash(user.password_hash)) {
    const passwordHash = await hashPassword(input.password);
    await updateLiveUser(deps.db, user.id, { password_hash: passwordHash }, now);
    current = { ...user, password_hash: passwordHash };
  }
  const methods = await secondFactorMethods(deps.db, user.id);
  if (methods.length > 0) {
    const challenge = await issueMfaChallenge(deps, current, input.origin);
    return { kind: 'mfa_required', challenge, methods };
  }
  return { kind: 'signed_in', ...(await startSession(deps, current, input)) };
}

/**
 * Checks a presented session token against its server-side session: a revoked session, an ended one or a
 * deleted account fails here on the very next request, on every instance (the session is read from the
 * database for every request; `deps.sessionCheck` only remembers signatures and shares queries, ADR 0014).
 * Returns undefined for any failure.
 */
export async function authenticate(deps: AuthDeps, token: string): Promise<AuthContext | undefined> {
  let verified: Awaited<ReturnType<AuthDeps['tokens']['verify']>>;
  try {
    verified = await deps.sessionCheck.verifyToken(token);
  } catch {
    return undefined;
  }
  const sessionId = verified.claims.sid;
  if (typeof sessionId !== 'string') return undefined;
  const row = await deps.sessionCheck.activeSession(sessionId);
  if (!row || row.id !== verified.sub) return undefined;
  // A re-authentication gave the session a new generation: tokens issued before it no longer work.
  const generation = typeof verified.claims.gen === 'string' ? verified.claims.gen : null;
  if (generation !== row.token_generation) return undefined;
  const now = deps.now();
  const { session_id, last_seen_at, expires_at, reauthenticated_at, token_generation, ...user } = row;
  if (now.getTime() - new Date(fromDbTime(last_seen_at)).getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    await deps.sessionCheck.touch(session_id);
  }
  const reissued =
    now.getTime() - verified.iat.getTime() >= sessionTokenReissueAfterMs(deps.sessionTokenTtlSeconds)
      ? await issueSessionToken(deps, user.id, session_id, new Date(fromDbTime(expires_at)), generation)
      : undefined;
  return {
    userId: user.id,
    sessionId: session_id,
    user,
    token: { kid: verified.kid, expiresAt: verified.exp, generation },
    reissued,
    reauthenticatedAt: reauthenticated_at === null ? undefined : new Date(fromDbTime(reauthenticated_at)),
    mfaEnrolmentRequired: deps.mfaConfig.required && !(await hasSecondFactor(deps.db, user.id)),
  };
}

/** Where an earlier authentication stands now: a WebSocket asks at every heartbeat. */
export type SessionStanding = 'live' | 'ended' | 'expired';

/**
 * Re-checks a context authenticated earlier: `ended` when its session is no longer live (revoked,
 * past its 30 days, account deleted) or the key that signed its token left the keyring; `expired` when
 * only the token ran out, or a re-authentication replaced the session's token (the session is live:
 * the client holding the new token refreshes and reconnects, one holding only the old token cannot);
 * else `live`.
 */
export async function sessionStanding(deps: AuthDeps, auth: AuthContext): Promise<SessionStanding> {
  if (!(await deps.tokens.hasKey('active_session', auth.token.kid))) return 'ended';
  const active = await deps.sessionCheck.activeSession(auth.sessionId);
  if (!active || active.id !== auth.userId) return 'ended';
  if (active.token_generation !== auth.token.generation) return 'expired';
  return deps.now().getTime() >= auth.token.expiresAt.getTime() ? 'expired' : 'live';
}

export async function logout(deps: AuthDeps, auth: AuthContext, origin: RequestOrigin): Promise<void> {
  await endSessions(deps, { userId: auth.userId, sessionId: auth.sessionId, reason: 'logout' });
  await recordAuthEvent(deps.db, {
    type: 'logout',
    userId: auth.userId,
    sessionId: auth.sessionId,
    origin,
    now: deps.now(),
  });
}

export async function logoutEverywhere(
  deps: AuthDeps,
  auth: AuthContext,
  origin: RequestOrigin,
): Promise<void> {
  await endSessions(deps, { userId: auth.userId, reason: 'logout_all' });
  await recordAuthEvent(deps.db, {
    type: 'logout_all',
    userId: auth.userId,
    sessionId: auth.sessionId,
    origin,
    now: deps.now(),
  });
}

/** Revokes one of the caller's own sessions; someone else's or an unknown id is a 404. */
export async function revokeOwnSession(
  deps: AuthDeps,
  auth: AuthContext,
  sessionId: string,
  origin: RequestOrigin,
): Promise<void> {
  const ended = await endSessions(deps, { userId: auth.userId, sessionId, reason: 'revoked' });
  if (ended.length === 0) throw new AppError('not_found', 'Session not found');
  await recordAuthEvent(deps.db, {
    type: 'session_revoked',
    userId: auth.userId,
    sessionId,
    origin,
    now: deps.now(),
  });
}
