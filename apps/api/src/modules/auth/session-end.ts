import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { channels, type EventBus } from '../../platform/bus/event-bus.js';
import { type RevokeReason, revokeSessions } from '../sessions/session.repository.js';

/** What ending sessions needs: the database, the clock and the bus every instance listens to. */
export interface SessionEndDeps {
  readonly db: Kysely<DB>;
  readonly now: () => Date;
  readonly bus: EventBus;
}

export type SessionEndReason = RevokeReason;

/** Which sessions of one user end: one (`sessionId`), or all but `exceptSessionId` (if given). */
export interface SessionEndScope {
  readonly userId: string;
  readonly reason: SessionEndReason;
  readonly sessionId?: string;
  readonly exceptSessionId?: string;
}

export type EndSessions = (scope: SessionEndScope) => Promise<string[]>;

/** Tells every instance (this one included) which sessions ended, so their sockets close at once. */
export function announceSessionEnds(
  bus: EventBus,
  ended: { userId: string; reason: SessionEndReason; sessionIds: readonly string[] },
): void {
  if (ended.sessionIds.length === 0) return;
  bus.publish(channels.sessions, {
    kind: 'sessions_revoked',
    userId: ended.userId,
    reason: ended.reason,
    sessionIds: [...ended.sessionIds],
  });
}

/**
 * The one way a session ends — logout, logout everywhere, ending one from the sessions page, password
 * change or reset, account deletion, operator revocation, a sign-in replacing the browser's session,
 * turning two-step sign-in on or off, and whatever comes next: every
 * such path must call this (or `endSessionsWithin`), never the repository directly, so no end can skip
 * the announcement. It marks the rows revoked (HTTP refuses them from now on, on every instance) and
 * then publishes the ids on the `sessions` channel, on which every instance closes the matching sockets
 * with `session_revoked`/4001. Returns the ids that were live.
 */
export async function endSessions(deps: SessionEndDeps, scope: SessionEndScope): Promise<string[]> {
  const ids = await revokeSessions(deps.db, { ...scope, now: deps.now() });
  announceSessionEnds(deps.bus, { userId: scope.userId, reason: scope.reason, sessionIds: ids });
  return ids;
}

/**
 * Runs `work` in one transaction with an `end` that revokes sessions inside it (so, e.g., a new password
 * and the end of the old sessions cannot be separated by a crash), and announces the ended sessions
 * only once the transaction has committed: a socket is never closed for a change that rolled back.
 */
export async function endSessionsWithin<T>(
  deps: SessionEndDeps,
  work: (trx: Transaction<DB>, end: EndSessions) => Promise<T>,
): Promise<T> {
  const ended: { userId: string; reason: SessionEndReason; sessionIds: string[] }[] = [];
  const result = await deps.db.transaction().execute((trx) =>
    work(trx, async (scope) => {
      const sessionIds = await revokeSessions(trx, { ...scope, now: deps.now() });
      ended.push({ userId: scope.userId, reason: scope.reason, sessionIds });
      return sessionIds;
    }),
  );
  for (const batch of ended) announceSessionEnds(deps.bus, batch);
  return result;
}
