import { toDbTime } from '../../db/time.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { AppError, validationError } from '../../errors.js';
import { findLiveUserByEmail, type UserRow, updateLiveUser } from '../users/user.repository.js';
import { type AuthDeps, linkTo } from './auth.context.js';
import {
  emailChangedEmail,
  emailChangeLinkEmail,
  emailChangeRequestedEmail,
  emailChangeTakenEmail,
} from './auth-emails.js';
import { type RequestOrigin, recordAuthEvent } from './auth-event.repository.js';
import { consumeEmailChangeLink, EMAIL_CHANGE, issueEmailLink, openEmailLink } from './email-links.js';
import { claimMailNotice } from './mail-notice.repository.js';
import { verifyPassword } from './passwords/password-hasher.js';
import type { AuthContext } from './session.service.js';
import { endSessionsWithin } from './session-end.js';

/**
 * Starts moving the signed-in account to `newEmail`. The route lets only a session that signed in or
 * re-authenticated recently (REAUTH_MAX_AGE) through, and the caller also gives the current password in
 * the request (a wrong one is a 400 on `password`, limited with the other password re-checks). Nothing changes yet: the
 * new address gets a single-use link (1 hour, bound to the account's current address and password) and
 * the current address a notice. The answer is the same 202 whether or not the new address is free; when
 * another account holds it, that account's owner gets a notice (at most one per interval) instead of a
 * link, so the route tells a signed-in user nothing about who has an account.
 */
export async function requestEmailChange(
  deps: AuthDeps,
  auth: AuthContext,
  input: { newEmail: string; password: string; origin: RequestOrigin },
): Promise<void> {
  if (!(await verifyPassword(auth.user.password_hash, input.password))) {
    throw validationError('body.password', 'is incorrect');
  }
  if (input.newEmail === auth.user.email) {
    throw validationError('body.newEmail', 'is already the email address of your account');
  }
  const now = deps.now();
  await recordAuthEvent(deps.db, {
    type: 'email_change_requested',
    userId: auth.userId,
    sessionId: auth.sessionId,
    origin: input.origin,
    now,
  });
  const holder = await findLiveUserByEmail(deps.db, input.newEmail);
  if (holder) {
    const due = await claimMailNotice(deps.db, {
      email: holder.email,
      kind: 'email_change_taken',
      now,
      intervalMs: deps.mailNoticeIntervalMs,
    });
    if (due)
      deps.mail.enqueue(emailChangeTakenEmail(holder.email, linkTo(deps.publicUrl, 'forgot-password')));
  } else {
    const link = await issueEmailLink(deps, auth.user, EMAIL_CHANGE, { newEmail: input.newEmail });
    deps.mail.enqueue(emailChangeLinkEmail(input.newEmail, link));
  }
  deps.mail.enqueue(
    emailChangeRequestedEmail(auth.user.email, input.newEmail, linkTo(deps.publicUrl, 'settings/sessions')),
  );
}

/**
 * Completes an email change from the link sent to the new address. In one transaction: the link is spent
 * (it must still fit the account: same address and password as when it was sent), the account moves to
 * the new address, which counts as verified, and every session but the one confirming (when the link is
 * opened signed in to this account) ends. An address another account took meanwhile is 409 `conflict`
 * and leaves the link unspent. The old address then gets a notice.
 */
export async function confirmEmailChange(
  deps: AuthDeps,
  input: { token: string; auth: AuthContext | undefined; origin: RequestOrigin },
): Promise<UserRow> {
  const claims = await openEmailLink(deps, EMAIL_CHANGE, input.token);
  const keep = input.auth?.userId === claims.sub ? input.auth.sessionId : undefined;
  const { before, after } = await endSessionsWithin(deps, async (trx, endSessions) => {
    const now = deps.now();
    const { user, newEmail } = await consumeEmailChangeLink(trx, claims, now);
    try {
      await updateLiveUser(trx, user.id, { email: newEmail, email_verified_at: toDbTime(now) }, now);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('conflict', 'That address now belongs to another account');
      }
      throw error;
    }
    await endSessions({
      userId: user.id,
      reason: 'email_changed',
      ...(keep === undefined ? {} : { exceptSessionId: keep }),
    });
    await recordAuthEvent(trx, {
      type: 'email_changed',
      userId: user.id,
      sessionId: keep ?? null,
      origin: input.origin,
      now,
    });
    return {
      before: user,
      after: {
        ...user,
        email: newEmail,
        email_live: newEmail,
        email_verified_at: toDbTime(now),
        updated_at: toDbTime(now),
      },
    };
  });
  deps.mail.enqueue(emailChangedEmail(before.email, after.email, linkTo(deps.publicUrl, 'forgot-password')));
  return after;
}
