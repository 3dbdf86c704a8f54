import { z } from 'zod';

/** Every error code the API can return; the web app maps these to typed errors. */
export const ErrorCode = z.enum([
  'validation_failed',
  'unauthenticated',
  'invalid_credentials',
  'invalid_token',
  'forbidden',
  'email_not_verified',
  'reauthentication_required',
  'mfa_enrollment_required',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'limit_reached',
  'quota_exceeded',
  'request_timeout',
  'service_unavailable',
  'bad_request',
  'internal_error',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One problem with one field of a request, as listed in `details` of `validation_failed`. */
export const FieldIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

/** `details` of `rate_limited` (HTTP 429 and WebSocket error frames): whole seconds to wait. */
export const RateLimitedDetails = z.object({ retryAfter: z.number().int().min(1) });
export type RateLimitedDetails = z.infer<typeof RateLimitedDetails>;

/** The body of every error response: `{ error: { code, message, details? } }`. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** HTTP status of each error code; the API's error handler is the only user on the server side. */
export const errorStatus: Readonly<Record<ErrorCode, number>> = Object.freeze({
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_token: 400,
  forbidden: 403,
  email_not_verified: 403,
  /** A sensitive action (password, factors, other sessions, deletion) without a re-authentication in the last 5 min. */
  reauthentication_required: 403,
  /** REQUIRE_MFA is on and the account has no second factor yet: only setting one up is open to it. */
  mfa_enrollment_required: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  limit_reached: 409,
  /** A stored-bytes quota would be exceeded (e.g. UPLOAD_QUOTA_BYTES); retrying does not help. */
  quota_exceeded: 413,
  /** The request body arrived too slowly (an upload trickling bytes) and was cut off. */
  request_timeout: 408,
  /**
   * A backing service (the database, Redis for `ready`) cannot be reached or the server is shutting down;
   * sent with `Retry-After`. The request did nothing; retrying it later is safe.
   */
  service_unavailable: 503,
  bad_request: 400,
  internal_error: 500,
});
