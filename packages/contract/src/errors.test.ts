import { describe, expect, it } from 'vitest';
import { ErrorBody, ErrorCode, errorStatus } from './errors.js';

describe('error contract', () => {
  it('maps every error code to an HTTP error status', () => {
    for (const code of ErrorCode.options) {
      const status = errorStatus[code];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
    expect(Object.keys(errorStatus).sort()).toEqual([...ErrorCode.options].sort());
  });

  it('uses the statuses docs/api.md documents', () => {
    expect(errorStatus.validation_failed).toBe(400);
    expect(errorStatus.unauthenticated).toBe(401);
    expect(errorStatus.forbidden).toBe(403);
    expect(errorStatus.email_not_verified).toBe(403);
    expect(errorStatus.reauthentication_required).toBe(403);
    expect(errorStatus.mfa_enrollment_required).toBe(403);
    expect(errorStatus.not_found).toBe(404);
    expect(errorStatus.conflict).toBe(409);
    expect(errorStatus.payload_too_large).toBe(413);
    expect(errorStatus.unsupported_media_type).toBe(415);
    expect(errorStatus.rate_limited).toBe(429);
    expect(errorStatus.quota_exceeded).toBe(413);
    expect(errorStatus.request_timeout).toBe(408);
  });

  it('accepts the documented error body and rejects other shapes', () => {
    expect(ErrorBody.safeParse({ error: { code: 'not_found', message: 'x' } }).success).toBe(true);
    expect(ErrorBody.safeParse({ error: { code: 'teapot', message: 'x' } }).success).toBe(false);
    expect(ErrorBody.safeParse({ code: 'not_found', message: 'x' }).success).toBe(false);
  });
});
