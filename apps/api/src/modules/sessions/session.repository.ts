import type { Selectable } from 'kysely';
import type { Executor, SessionsTable } from '../../db/schema.js';
import { toDbTime } from '../../db/time.js';
import { newId } from '../../ids.js';

export type SessionRow = Selectable<SessionsTable>;

/** Stored in `sessions.revoked_reason` (varchar 32). */
export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'revoked'
  | 'password_changed'
  | 'password_reset'
  | 'account_deleted'
  | 'operator'
  /** A new sign-in in the same browser replaced this session (ASVS 7.2.4). */
  | 'signed_in_again'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'email_changed';

export async function createSession(
  db: Executor,
  input: { userId: string; userAgent: string | undefined; ip: string; now: Date; lifetimeMs: number },
): Promise<SessionRow> {
  const row: SessionRow = {
    id: newId(),
    user_id: input.userId,
    user_agent: input.userAgent ? input.userAgent.slice(0, 512) : null,
    ip: input.ip.slice(0, 64),
    created_at: toDbTime(input.now),
    last_seen_at: toDbTime(input.now),
    expires_at: toDbTime(new Date(input.now.getTime() + input.lifetimeMs)),
    revoked_at: null,
    revoked_reason: null,
    // Signing in is an authentication: sensitive actions right after it need no second prompt.
    reauthenticated_at: toDbTime(input.now),
    token_generation: null,
  };
  await db.insertInto('sessions').values(row).execute();
  return row;
}

/**
 * The sessions among `sessionIds` that can still authenticate — not revoked, not past their absolute
 * end, their user not deleted — each with its user's row. One query for many concurrent requests
 * (`session-check.ts` batches them); the caller checks that a row's user is the token's subject.
 */
export function findActiveSessions(db: Executor, sessionIds: readonly string[], now: Date) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.reauthenticated_at',
      'sessions.token_generation',
      'users.id',
      'users.email',
      'users.email_live',
      'users.email_verified_at',
      'users.password_hash',
      'users.display_name',
      'users.created_at',
      'users.updated_at',
      'users.deleted_at',
      'users.notify_email',
      'users.presence_visible',
    ])
    .where('sessions.id', 'in', sessionIds)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', toDbTime(now))
    .where('users.deleted_at', 'is', null)
    .execute();
}

/**
 * Records a re-authentication on the live session (POST /api/auth/reauthenticate) with the token
 * generation its tokens must carry from now on. The session's absolute end, or undefined if it ended.
 */
export async function markReauthenticated(
  db: Executor,
  input: { sessionId: string; now: Date; tokenGeneration: string },
): Promise<string | undefined> {
  const result = await db
    .updateTable('sessions')
    .set({ reauthenticated_at: toDbTime(input.now), token_generation: input.tokenGeneration })
    .where('id', '=', input.sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  const row = await db
    .selectFrom('sessions')
    .select('expires_at')
    .where('id', '=', input.sessionId)
    .executeTakeFirst();
  return row?.expires_at;
}

export type ActiveSessionRow = Awaited<ReturnType<typeof findActiveSessions>>[number];

/** Records that these sessions were used now (`last_seen_at`, shown on the sessions page). */
export async function touchSessions(db: Executor, sessionIds: readonly string[], now: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: toDbTime(now) })
    .where('id', 'in', sessionIds)
    .execute();
}

/** Users with at least one session not revoked, in id order after `afterUserId`, at most `limit`. */
export async function usersWithLiveSessions(
  db: Executor,
  input: { afterUserId: string | undefined; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('sessions')
    .select('user_id')
    .distinct()
    .where('revoked_at', 'is', null)
    .orderBy('user_id')
    .limit(input.limit);
  if (input.afterUserId !== undefined) query = query.where('user_id', '>', input.afterUserId);
  return (await query.execute()).map((row) => row.user_id);
}

export function listActiveSessions(db: Executor, userId: string, now: Date): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', toDbTime(now))
    .orderBy('last_seen_at', 'desc')
    .orderBy('id')
    .execute();
}

/**
 * Marks live sessions of one user revoked: one session (`sessionId`), or all of them, optionally
 * sparing one (`exceptSessionId`). Returns the ids that were live, for closing their sockets. Only
 * `endSessions` (modules/auth/session-end.ts) calls this: it also announces the ends on the bus.
 *
 * For "all", one UPDATE covers the user's rows, so a session created meanwhile is revoked too. Run it
 * in the transaction that changes the password, so the two cannot be separated by a crash.
 */
export async function revokeSessions(
  db: Executor,
  input: {
    userId: string;
    reason: RevokeReason;
    now: Date;
    sessionId?: string | undefined;
    exceptSessionId?: string | undefined;
  },
): Promise<string[]> {
  let update = db
    .updateTable('sessions')
    .set({ revoked_at: toDbTime(input.now), revoked_reason: input.reason })
    .where('user_id', '=', input.userId)
    .where('revoked_at', 'is', null);
  if (input.sessionId !== undefined) {
    // One conditional UPDATE: of two concurrent ends of the same session, exactly one reports it.
    const result = await update.where('id', '=', input.sessionId).executeTakeFirst();
    return result.numUpdatedRows > 0n ? [input.sessionId] : [];
  }
  let live = db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', input.userId)
    .where('revoked_at', 'is', null);
  if (input.exceptSessionId !== undefined) {
    live = live.where('id', '!=', input.exceptSessionId);
    update = update.where('id', '!=', input.exceptSessionId);
  }
  const ids = (await live.execute()).map((row) => row.id);
  await update.execute();
  return ids;
}
