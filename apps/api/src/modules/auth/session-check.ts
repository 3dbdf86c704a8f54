import { BatchedLookup } from '../../db/batched-lookup.js';
import type { Executor } from '../../db/schema.js';
import type { TokenService, VerifiedToken } from '../../platform/tokens/token.types.js';
import { VerifiedTokenCache } from '../../platform/tokens/verified-token.cache.js';
import { type ActiveSessionRow, findActiveSessions, touchSessions } from '../sessions/session.repository.js';

export type { ActiveSessionRow };

/**
 * What checking a session token costs per request, made cheap without making it any less strict
 * (ADR 0014): the signature check, which cannot change while the token lives, is remembered; the
 * session and user check, which can change at any moment on any instance, is never remembered — it
 * is asked of the database every time, but the requests of one moment share one query.
 */
export interface SessionCheck {
  /** `tokens.verify('active_session', token)`, from a bounded cache of tokens that verified. */
  verifyToken(token: string): Promise<VerifiedToken>;
  /**
   * The session with its user's row if it can still authenticate, from a query that started after
   * this call (so a revocation committed before it, anywhere, is seen).
   */
  activeSession(sessionId: string): Promise<ActiveSessionRow | undefined>;
  /** Records use of the session (`last_seen_at`); the touches of one moment share one UPDATE. */
  touch(sessionId: string): Promise<void>;
}

export interface SessionCheckOptions {
  readonly db: Executor;
  readonly tokens: TokenService;
  readonly now: () => Date;
  /** SESSION_TOKEN_CACHE_SIZE: verified tokens remembered (0: verify every time). */
  readonly tokenCacheSize: number;
  /**
   * Session queries running at once. Requests that arrive meanwhile wait for the next query, so one
   * slow query (a busy database) delays the next request by up to twice its time with 1, less with 2.
   */
  readonly maxQueriesInFlight: number;
}

export function createSessionCheck(options: SessionCheckOptions): SessionCheck {
  const { db, now } = options;
  const verified = new VerifiedTokenCache({
    tokens: options.tokens,
    purpose: 'active_session',
    maxEntries: options.tokenCacheSize,
    now,
  });
  const sessions = new BatchedLookup<string, ActiveSessionRow>(
    async (ids) => {
      const rows = await findActiveSessions(db, ids, now());
      return new Map(rows.map((row) => [row.session_id, row]));
    },
    { maxInFlight: options.maxQueriesInFlight },
  );
  const touches = new BatchedLookup<string, true>(async (ids) => {
    await touchSessions(db, ids, now());
    return new Map();
  });
  return {
    verifyToken: (token) => verified.verify(token),
    activeSession: (sessionId) => sessions.load(sessionId),
    touch: async (sessionId) => {
      await touches.load(sessionId);
    },
  };
}
