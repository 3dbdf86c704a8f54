import type { ErrorCode, FieldIssue } from '@parley/contract';

/** A failure the client caused or may see: mapped to HTTP by the one error handler in plugins/errors.plugin.ts. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'resource') => new AppError('not_found', `${what} not found`);

/**
 * 400 `validation_failed` naming the fields at fault, in the shape the schema check gives
 * (`details: [{ path, message }]`, path as `body.field`, `querystring.name`, …).
 */
export const validationErrors = (issues: readonly FieldIssue[], message = 'Request is not valid') =>
  new AppError('validation_failed', message, issues);

/** `validationErrors` for one field. */
export const validationError = (path: string, message: string) => validationErrors([{ path, message }]);

/** Over a rate limit: 429 with `Retry-After`, and the same wait in `details` for WebSocket clients. */
export const rateLimited = (retryAfter: number, what = 'Too many requests') =>
  new AppError(
    'rate_limited',
    `${what}; try again in ${retryAfter} s`,
    { retryAfter },
    { 'retry-after': String(retryAfter) },
  );
