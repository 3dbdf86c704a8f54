import type { Pool } from 'mysql2';

/** What a database pool can say about itself (mysql2); SQLite has no pool and reports nothing. */
export interface PoolStats {
  /** Open connections waiting in the pool. */
  readonly free: number;
  /** Open connections lent out to a query or transaction. */
  readonly used: number;
  /** Requests for a connection waiting because every allowed connection is in use. */
  readonly queued: number;
  /** Most connections the pool opens. */
  readonly max: number;
}

/** mysql2 keeps these in its pool (not in its typings); a version without them reports nothing. */
interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/** The numbers of one mysql2 pool, or undefined if this mysql2 does not keep them where expected. */
export function mysqlPoolStats(pool: Pool): PoolStats | undefined {
  const internals = pool as unknown as PoolInternals;
  const all = internals._allConnections?.length;
  const free = internals._freeConnections?.length;
  const queued = internals._connectionQueue?.length;
  if (all === undefined || free === undefined || queued === undefined) return undefined;
  return { free, used: all - free, queued, max: internals.config?.connectionLimit ?? 0 };
}

/** Several pools as one (the secret-backed pool keeps the pools of earlier credentials until they close). */
export function sumPoolStats(stats: readonly (PoolStats | undefined)[]): PoolStats | undefined {
  const known = stats.filter((s): s is PoolStats => s !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((sum, s) => ({
    free: sum.free + s.free,
    used: sum.used + s.used,
    queued: sum.queued + s.queued,
    max: Math.max(sum.max, s.max),
  }));
}
