import type { ErrorCode } from '@parley/contract';

/** Field name (the request body key, e.g. `email`) → what is wrong with it, in words. */
export type FieldErrors = Readonly<Record<string, string>>;

/** An error the API answered with (or the client refused to send), typed by the contract's `ErrorCode`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly fieldErrors: FieldErrors = {},
    /** Seconds to wait, from `Retry-After` on 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The server could not be reached, or answered something that is not the contract. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** True when `error` is an ApiError with one of `codes`. */
export function isApiError(error: unknown, ...codes: ErrorCode[]): error is ApiError {
  return error instanceof ApiError && (codes.length === 0 || codes.includes(error.code));
}

/** A wait in words: seconds under a minute (message limits), minutes above (sign-in limits). */
function wait(seconds: number): string {
  if (seconds < 60) {
    const count = Math.max(1, Math.ceil(seconds));
    return count === 1 ? 'a second' : `${count} seconds`;
  }
  const count = Math.ceil(seconds / 60);
  return count === 1 ? 'a minute' : `${count} minutes`;
}

/** What to tell the user about a failed request, in words. */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError)
    return 'Parley could not be reached. Check your connection and try again.';
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'validation_failed':
      return Object.keys(error.fieldErrors).length > 0 ? 'Check the highlighted fields.' : error.message;
    case 'reauthentication_required':
      return 'Confirm it’s you to do this: nothing was changed.';
    case 'rate_limited':
      return `Too many attempts. Try again in ${wait(error.retryAfterSeconds ?? 60)}.`;
    case 'payload_too_large':
      return 'That file is too large to attach.';
    case 'unsupported_media_type':
      return 'That type of file can’t be attached. Attach an image (PNG, JPEG, GIF or WebP), a PDF, a text file or a ZIP archive.';
    case 'quota_exceeded':
      return 'That file doesn’t fit in your storage for attachments. Files you attach but never send are removed after a day.';
    case 'request_timeout':
      return 'Sending took too long and was stopped. Check your connection and try again.';
    case 'internal_error':
    case 'service_unavailable':
      return 'Parley is having trouble right now. Please try again in a moment.';
    default:
      return error.message;
  }
}
