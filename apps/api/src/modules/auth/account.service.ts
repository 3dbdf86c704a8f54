import { softDelete } from '../../db/soft-delete.js';
import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { validationError } from '../../errors.js';
import { newId } from '../../ids.js';
import { directConversationIds } from '../conversations/conversation.repository.js';
import { announceConversations, publishSystemEvent } from '../conversations/conversation.service.js';
import { endGroupMemberships } from '../conversations/group-ownership.js';
import {
  activateUnverifiedUser,
  findLiveUserByEmail,
  findLiveUserById,
  insertUser,
  type UserRow,
  updateLiveUser,
} from '../users/user.repository.js';
import { NO_PASSWORD } from './auth.constants.js';
import { type AuthDeps, linkTo } from './auth.context.js';
import {
  alreadyRegisteredEmail,
  passwordChangedEmail,
  resetPasswordEmail,
  verificationEmail,
} from './auth-emails.js';
import { type RequestOrigin, recordAuthEvent } from './auth-event.repository.js';
import {
  checkEmailLink,
  consumeEmailLink,
  invalidLink,
  issueEmailLink,
  openEmailLink,
  RESET,
  VERIFY,
} from './email-links.js';
import { claimMailNotice } from './mail-notice.repository.js';
import { assertNewPassword } from './passwords/new-password.js';
import { hashPassword, verifyPassword } from './passwords/password-hasher.js';
import { registrationWithPassword } from './pending-registration.js';
import {
  activateRegistration,
  insertRegistration,
  supersedePendingRegistrations,
} from './registration.repository.js';
import type { AuthContext } from './session.service.js';
import { endSessionsWithin } from './session-end.js';

/**
 * Creates an unverified account that holds no password yet, with its first registration. Undefined when
 * another request created the address's account first (the caller then treats this as a re-registration).
 */
async function createUnverifiedAccount(
  deps: AuthDeps,
  input: { email: string; displayName: string; passwordHash: string; origin: RequestOrigin },
  now: Date,
): Promise<UserRow | undefined> {
  const id = newId();
  try {
    await deps.db.transaction().execute(async (trx) => {
      await insertUser(trx, {
        id,
        email: input.email,
        passwordHash: NO_PASSWORD,
        displayName: input.displayName,
        now,
      });
      await insertRegistration(trx, {
        id: newId(),
        userId: id,
        passwordHash: input.passwordHash,
        displayName: input.displayName,
        now,
      });
      await recordAuthEvent(trx, { type: 'register', userId: id, origin: input.origin, now });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return undefined;
  }
  return findLiveUserById(deps.db, id);
}

/**
 * Register answers the same 202 whether or not the email is taken, and never changes the password of an
 * account. A new address gets an unverified account (no password yet), a registration holding the chosen
 * password, and a verification link. An unverified address gets one more registration of its own and a
 * link; the account's password is chosen only when the mailbox owner opens a link and types the password
 * of their registration (`verifyEmail`), which ends every other registration. A verified address gets a
 * "someone tried to sign up" notice, at most one per address per interval.
 */
export async function register(
  deps: AuthDeps,
  input: { email: string; password: string; displayName: string; origin: RequestOrigin },
): Promise<void> {
  await assertNewPassword(deps, 'password', input.password, input);
  const passwordHash = await hashPassword(input.password);
  const now = deps.now();
  const existing = await findLiveUserByEmail(deps.db, input.email);
  const created = existing
    ? undefined
    : await createUnverifiedAccount(
        deps,
        { email: input.email, displayName: input.displayName, passwordHash, origin: input.origin },
        now,
      );
  if (created) {
    deps.mail.enqueue(verificationEmail(created.email, await issueEmailLink(deps, created, VERIFY)));
    return;
  }
  const user = existing ?? (await findLiveUserByEmail(deps.db, input.email));
  if (!user) return;
  if (user.email_verified_at !== null) {
    await recordAuthEvent(deps.db, { type: 'register_existing', userId: user.id, origin: input.origin, now });
    const due = await claimMailNotice(deps.db, {
      email: user.email,
      kind: 'signup_attempt',
      now,
      intervalMs: deps.mailNoticeIntervalMs,
    });
    if (due) deps.mail.enqueue(alreadyRegisteredEmail(user.email, linkTo(deps.publicUrl, 'forgot-password')));
    return;
  }
  await deps.db.transaction().execute(async (trx) => {
    await insertRegistration(trx, {
      id: newId(),
      userId: user.id,
      passwordHash,
      displayName: input.displayName,
      now,
    });
    await recordAuthEvent(trx, { type: 'register_again', userId: user.id, origin: input.origin, now });
  });
  deps.mail.enqueue(verificationEmail(user.email, await issueEmailLink(deps, user, VERIFY)));
}

/** Sends a new verification link to an unverified account; the same 202 for any email. */
export async function resendVerification(deps: AuthDeps, email: string): Promise<void> {
  const user = await findLiveUserByEmail(deps.db, email);
  if (!user || user.email_verified_at !== null) return;
  deps.mail.enqueue(verificationEmail(user.email, await issueEmailLink(deps, user, VERIFY)));
}

/**
 * Activates an unverified account from a verification link and a password. The link proves control of the
 * mailbox; the password picks which of the address's pending registrations the mailbox owner made. That
 * registration's password and name become the account's, every other registration dies, and so does every
 * other link (the account is no longer unverified). A wrong password is a 400 on the password field and
 * does not spend the link.
 */
export async function verifyEmail(
  deps: AuthDeps,
  input: { token: string; password: string; origin: RequestOrigin },
): Promise<UserRow> {
  const verified = await openEmailLink(deps, VERIFY, input.token);
  // Checked before the password, without spending the link: a wrong password must leave it usable.
  const user = await checkEmailLink(deps.db, VERIFY, verified, deps.now());
  const registration = await registrationWithPassword(deps.db, user.id, input.password);
  if (!registration) {
    await recordAuthEvent(deps.db, {
      type: 'email_verify_failed',
      userId: user.id,
      origin: input.origin,
      now: deps.now(),
    });
    throw validationError(
      'body.password',
      'does not match the password chosen when signing up with this address',
    );
  }
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.now();
    await consumeEmailLink(trx, VERIFY, verified, now);
    // The account's conditional UPDATE lets exactly one of two racing activations (two links) through.
    const activated = await activateUnverifiedUser(trx, user.id, {
      passwordHash: registration.password_hash,
      displayName: registration.display_name,
      now,
    });
    if (!activated || !(await activateRegistration(trx, registration.id, now))) throw invalidLink();
    await supersedePendingRegistrations(trx, user.id, now);
    await recordAuthEvent(trx, { type: 'email_verified', userId: user.id, origin: input.origin, now });
    return {
      ...user,
      password_hash: registration.password_hash,
      display_name: registration.display_name,
      email_verified_at: toDbTime(now),
    };
  });
}

/** Emails a reset link when the account exists; the same 202 for any email. */
export async function forgotPassword(deps: AuthDeps, email: string, origin: RequestOrigin): Promise<void> {
  const user = await findLiveUserByEmail(deps.db, email);
  if (!user) return;
  await recordAuthEvent(deps.db, {
    type: 'password_reset_requested',
    userId: user.id,
    origin,
    now: deps.now(),
  });
  deps.mail.enqueue(resetPasswordEmail(user.email, await issueEmailLink(deps, user, RESET)));
}

/**
 * Sets a new password from a reset link: single use (one conditional UPDATE), dead once the password or
 * email changed, and it signs out every session. A weak or breached new password is refused before the
 * link is spent.
 */
export async function resetPassword(
  deps: AuthDeps,
  input: { token: string; password: string; origin: RequestOrigin },
): Promise<void> {
  const verified = await openEmailLink(deps, RESET, input.token);
  const current = await findLiveUserById(deps.db, verified.sub);
  if (!current) throw invalidLink();
  await assertNewPassword(deps, 'password', input.password, {
    email: current.email,
    displayName: current.display_name,
  });
  const passwordHash = await hashPassword(input.password);
  const user = await endSessionsWithin(deps, async (trx, endSessions) => {
    const now = deps.now();
    const fresh = await consumeEmailLink(trx, RESET, verified, now);
    // The link proved control of the mailbox, so the address counts as verified too.
    await updateLiveUser(
      trx,
      fresh.id,
      { password_hash: passwordHash, email_verified_at: fresh.email_verified_at ?? toDbTime(now) },
      now,
    );
    // An unverified account gets its password here: no pending registration may be activated later.
    await supersedePendingRegistrations(trx, fresh.id, now);
    await endSessions({ userId: fresh.id, reason: 'password_reset' });
    await recordAuthEvent(trx, { type: 'password_reset', userId: fresh.id, origin: input.origin, now });
    return fresh;
  });
  deps.mail.enqueue(passwordChangedEmail(user.email, 'reset'));
}

/** Changes the password of the signed-in user and signs out every other session. */
export async function changePassword(
  deps: AuthDeps,
  auth: AuthContext,
  input: { currentPassword: string; newPassword: string; origin: RequestOrigin },
): Promise<void> {
  if (!(await verifyPassword(auth.user.password_hash, input.currentPassword))) {
    throw validationError('body.currentPassword', 'is incorrect');
  }
  await assertNewPassword(deps, 'newPassword', input.newPassword, {
    email: auth.user.email,
    displayName: auth.user.display_name,
  });
  const now = deps.now();
  const passwordHash = await hashPassword(input.newPassword);
  // One transaction: the new password and the end of the other sessions cannot be separated by a crash.
  await endSessionsWithin(deps, async (trx, endSessions) => {
    await updateLiveUser(trx, auth.userId, { password_hash: passwordHash }, now);
    await recordAuthEvent(trx, {
      type: 'password_changed',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin: input.origin,
      now,
    });
    await endSessions({ userId: auth.userId, reason: 'password_changed', exceptSessionId: auth.sessionId });
  });
  deps.mail.enqueue(passwordChangedEmail(auth.user.email, 'changed'));
}

/**
 * Soft-deletes the account after re-checking the password; every session ends. No row is removed. In the
 * same transaction the account leaves every group (each group it owned passes to its successor, see
 * `ensureGroupOwner`); its direct conversations stay, read-only. Members are told after the commit.
 */
export async function deleteAccount(
  deps: AuthDeps,
  auth: AuthContext,
  input: { password: string; origin: RequestOrigin },
): Promise<void> {
  if (!(await verifyPassword(auth.user.password_hash, input.password)))
    throw validationError('body.password', 'is incorrect');
  const now = deps.now();
  const { conversationIds: groups, events } = await endSessionsWithin(deps, async (trx, endSessions) => {
    const ended = await endGroupMemberships(trx, auth.userId, toDbTime(now));
    await softDelete(trx, 'users', auth.userId, now);
    await recordAuthEvent(trx, {
      type: 'account_deleted',
      userId: auth.userId,
      sessionId: auth.sessionId,
      origin: input.origin,
      now,
    });
    await endSessions({ userId: auth.userId, reason: 'account_deleted' });
    return ended;
  });
  await announceConversations(deps, [...groups, ...(await directConversationIds(deps.db, auth.userId))]);
  // The "left" line of each group, like a member leaving.
  for (const event of events) await publishSystemEvent(deps, event);
}
