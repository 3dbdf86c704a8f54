import type { Selectable } from 'kysely';
import type { AuthEventsTable, Executor } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { newId } from '../../ids.js';

export type AuthEventType =
  | 'register'
  /** A new registration of an address whose account is not verified yet (its own pending record). */
  | 'register_again'
  /** A registration for an address whose account is verified: nothing changes, a notice is sent. */
  | 'register_existing'
  /** A verification link opened with a password that matches no pending registration. */
  | 'email_verify_failed'
  | 'login_succeeded'
  | 'login_failed'
  | 'email_verified'
  | 'logout'
  | 'logout_all'
  | 'session_revoked'
  | 'password_changed'
  | 'password_reset_requested'
  | 'password_reset'
  | 'account_deleted'
  | 'operator_revoked_sessions'
  /** `npm run admin -- revoke-all-sessions`: one per account whose sessions it ended. */
  | 'operator_revoked_all_sessions'
  /** `npm run admin -- disable-mfa`: an operator turned the account's second factors off. */
  | 'operator_disabled_mfa'
  /** A correct password on an account with a second factor: a challenge was issued, no session yet. */
  | 'login_mfa_required'
  /** A wrong code for a sign-in challenge. */
  | 'login_mfa_failed'
  | 'recovery_code_used'
  | 'totp_enrolment_started'
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_codes_regenerated'
  | 'reauthenticated'
  | 'reauthentication_failed'
  /** A signed-in user asked to move the account to another address (link sent there). */
  | 'email_change_requested'
  /** The link sent to the new address was used: the account has its new address. */
  | 'email_changed'
  | 'passkey_added'
  | 'passkey_renamed'
  | 'passkey_removed'
  /**
   * An assertion signed by a passkey's key whose signature counter did not go up: a sign of a cloned
   * authenticator (WebAuthn §6.1.1). It was refused.
   */
  | 'passkey_counter_regressed';

export interface RequestOrigin {
  ip: string;
  userAgent: string | undefined;
}

/** Appends to the audit trail: who, what, when, from where. Never a password or a token. */
export async function recordAuthEvent(
  db: Executor,
  event: {
    type: AuthEventType;
    userId?: string | null;
    sessionId?: string | null;
    origin: RequestOrigin;
    now: Date;
  },
): Promise<void> {
  await db
    .insertInto('auth_events')
    .values({
      id: newId(),
      user_id: event.userId ?? null,
      session_id: event.sessionId ?? null,
      type: event.type,
      ip: event.origin.ip.slice(0, 64),
      user_agent: event.origin.userAgent ? event.origin.userAgent.slice(0, 512) : null,
      created_at: toDbTime(event.now),
    })
    .execute();
}

export type AuthEventRow = Selectable<AuthEventsTable>;

/** Where a page of a user's events ended: the last event's time and id (newest first). */
export interface EventPosition {
  readonly createdAt: string;
  readonly id: string;
}

/**
 * One page of a user's own audit events, newest first, after `before` (a keyset on time and id, so a page
 * costs the same however long the history). Only rows whose `user_id` is this user: another account's
 * events, and failed sign-ins to unknown addresses (no user), never appear.
 */
export function listUserAuthEvents(
  db: Executor,
  input: { userId: string; before: EventPosition | undefined; limit: number },
): Promise<AuthEventRow[]> {
  let query = db.selectFrom('auth_events').selectAll().where('user_id', '=', input.userId);
  const before = input.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
}
