import { ClaimValidationError, PasetoError } from 'paseto';

export type InvalidTokenReason =
  | 'malformed'
  | 'too_large'
  | 'unknown_kid'
  | 'wrong_purpose'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'invalid_claims';

/** Any token that is not valid for the asked purpose. `reason` is for logs; callers answer a plain 401. */
export class InvalidTokenError extends Error {
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, options?: { cause?: unknown }) {
    super(`invalid token: ${reason}`, options);
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }
}

/** Maps a `paseto` failure to a reason for logs. */
export function reasonFor(error: unknown): InvalidTokenReason {
  if (error instanceof ClaimValidationError) {
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.message === 'Token has expired' || error.message === 'Token is too old') return 'expired';
    if (error.message === 'Token is not active yet' || error.message === 'Token was issued in the future') {
      return 'not_yet_valid';
    }
    return 'invalid_claims';
  }
  if (error instanceof PasetoError && error.code === 'ERR_PASETO_INVALID_TOKEN') {
    return /signature/i.test(error.message) ? 'bad_signature' : 'malformed';
  }
  return 'malformed';
}
