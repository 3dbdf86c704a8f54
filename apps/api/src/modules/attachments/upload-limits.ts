import { fromDbTime, toDbTime } from '../../db/time.js';
import { AppError } from '../../errors.js';
import { BlobTooLargeError } from '../../platform/blobs/blob-errors.js';
import type { ProgressRule } from '../../platform/blobs/progress-guard.js';
import type { Rate } from '../../platform/limits/rate.js';
import type { UploadUsage } from './attachment.repository.js';

/** The per-user upload limits this module enforces itself (the upload count is the rate limiter's). */
export interface UploadLimits {
  /** LIMIT_UPLOAD_BYTES: bytes one user may upload per window. */
  readonly bytes: Rate;
  /** UPLOAD_QUOTA_BYTES: total size of one user's live attachments. */
  readonly quotaBytes: number;
  /** UPLOAD_IDLE_TIMEOUT and UPLOAD_MIN_BYTES_PER_SECOND. */
  readonly progress: ProgressRule;
}

/** Uploads made at or after this time count against the bytes-per-window limit at `now`. */
export function windowStart(limits: UploadLimits, now: Date): string {
  return toDbTime(new Date(now.getTime() - limits.bytes.windowMs));
}

/** How much one upload may still carry, and the error for one that carries more. */
export interface UploadBudget {
  /** Most bytes the upload may have; 0 when the user may not upload now. */
  readonly bytes: number;
  /** The error for an upload over `bytes`: the tightest limit's. */
  refusal(): AppError | BlobTooLargeError;
  /** The error for an upload of exactly `size` bytes, or undefined when it fits. */
  refuse(size: number): AppError | BlobTooLargeError | undefined;
}

/**
 * The budget of one upload given what the user has stored and uploaded lately. Three limits, three
 * answers: bigger than any upload may be → 413 `payload_too_large`; over the stored-bytes quota →
 * 413 `quota_exceeded` (waiting does not help); over the bytes per window → 429 `rate_limited` with
 * `Retry-After` until the oldest upload in the window leaves it.
 */
export function uploadBudget(
  limits: UploadLimits,
  maxBytes: number,
  usage: UploadUsage,
  now: Date,
): UploadBudget {
  // One upload may never exceed the window's whole allowance either: waiting would not help it.
  const sizeCap = Math.min(maxBytes, limits.bytes.count);
  const quotaLeft = Math.max(0, limits.quotaBytes - usage.storedBytes);
  const windowLeft = Math.max(0, limits.bytes.count - usage.windowBytes);
  const quotaExceeded = () =>
    new AppError(
      'quota_exceeded',
      `Your attachments use ${usage.storedBytes} of your ${limits.quotaBytes} bytes; this upload does not fit`,
      { quotaBytes: limits.quotaBytes, usedBytes: usage.storedBytes },
    );
  const rateLimited = () => {
    const oldest = usage.oldestInWindow
      ? new Date(fromDbTime(usage.oldestInWindow)).getTime()
      : now.getTime();
    const retryAfter = Math.max(1, Math.ceil((oldest + limits.bytes.windowMs - now.getTime()) / 1000));
    return new AppError(
      'rate_limited',
      `You uploaded ${usage.windowBytes} of the ${limits.bytes.count} bytes allowed per ${limits.bytes.windowMs / 1000} s; try again in ${retryAfter} s`,
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  };
  const bytes = Math.min(sizeCap, quotaLeft, windowLeft);
  const refuse = (size: number) => {
    if (size > sizeCap) return new BlobTooLargeError(sizeCap);
    if (size > quotaLeft) return quotaExceeded();
    if (size > windowLeft) return rateLimited();
    return undefined;
  };
  return {
    bytes,
    refusal: () => refuse(bytes + 1) ?? new BlobTooLargeError(bytes),
    refuse,
  };
}
