/**
 * Errors that mean "the database (or another backing service) cannot be reached right now", not "this
 * request is wrong": connection refused, reset or lost, a connect timeout, too many connections, a server
 * shutting down, SQLite's busy timeout. Requests that hit one are answered 503 with Retry-After
 * (plugins/errors.plugin.ts), never 500: the instance stays in service while a failover completes.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  // The socket (mysql2 passes Node's codes through).
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // mysql2: the connection died under a query, or was used after it died.
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_HANDSHAKE_TWICE',
  // The server: out of connections, shutting down, read-only during a failover.
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  'ER_READ_ONLY_MODE',
  // SQLite: another writer held the lock past busy_timeout.
  'SQLITE_BUSY',
]);

/** Seconds a client is asked to wait (`Retry-After`) after a 503 for an unreachable database. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a connection-level failure, looking through `cause` and AggregateError (happy eyeballs). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const code = codeOf(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  if (cause !== undefined && isDatabaseUnavailable(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
