import type { RateLimits, RateName } from '../../config.js';
import type { LimitMetrics } from '../metrics/metrics.js';
import type { Rate } from './rate.js';

/** The answer to one counted hit. */
export interface LimitDecision {
  readonly allowed: boolean;
  /** Whole seconds (≥ 1) until the current window ends: `Retry-After` when the hit was refused. */
  readonly retryAfter: number;
}

/** One held slot of a concurrency cap (an open WebSocket); release it exactly when the thing ends. */
export interface SlotLease {
  release(): void;
}

/**
 * Rate limits and concurrency caps, kept in this process or in Redis (shared by every instance). Both
 * implementations fail open: an unreachable Redis must not lock every user out.
 */
export interface Limiter {
  /** Counts one hit on `key` in a fixed window of `rate` (the window starts with the key's first hit). */
  hit(key: string, rate: Rate): Promise<LimitDecision>;
  /**
   * Takes back one hit on `key` counted `elapsedMs` ago (measured from when `hit` answered), when it
   * turned out not to count (a successful sign-in spends only a failure allowance). Only while the window
   * it was counted in is still the current one: a window started since has its own count. Never below 0.
   */
  refund(key: string, rate: Rate, elapsedMs: number): Promise<void>;
  /** Takes one of at most `max` concurrent slots of `key`; undefined when all are taken. */
  acquire(key: string, max: number): Promise<SlotLease | undefined>;
  /**
   * How many slots of `key` are held now (lapsed leases of dead instances not counted). Unlike the
   * other calls it does not fail open: it throws when the count is unknown (Redis unreachable), so a
   * caller that acts on "nobody holds one" (emailing a user with no open socket) can hold off instead.
   */
  held(key: string): Promise<number>;
  close(): void;
}

/**
 * A held slot is a lease in Redis: refreshed every third of this while held, so the slots of an
 * instance that died without releasing them free themselves within this time.
 */
export const SLOT_LEASE_MS = 60_000;

/**
 * How far a refunded hit's time may be off: the limiters' clocks count whole milliseconds, the caller's
 * `elapsedMs` fractions of one. A window that started this little after the hit still takes its refund.
 */
export const REFUND_SLACK_MS = 2;

/** Whole seconds until `ms` from now, at least 1 (a Retry-After of 0 invites an immediate retry storm). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Counts one hit of a configured `LIMIT_*` rate for `key`. */
export type CheckLimit = (rate: RateName, key: string) => Promise<LimitDecision>;

/** Takes back a hit of a configured `LIMIT_*` rate for `key`, counted `elapsedMs` ago (see Limiter.refund). */
export type RefundLimit = (rate: RateName, key: string, elapsedMs: number) => Promise<void>;

/**
 * The one way rates are counted: the rate's name is the counter's, so every route and WebSocket frame
 * spending the same rate for the same key shares one count. With `metrics`, every refusal is counted by
 * its rate's name (`parley_rate_limited_total{limit}`).
 */
export function limitChecker(limiter: Limiter, rates: RateLimits, metrics?: LimitMetrics): CheckLimit {
  return async (rate, key) => {
    const decision = await limiter.hit(`${rate}:${key}`, rates[rate]);
    if (!decision.allowed) metrics?.rateLimited(rate);
    return decision;
  };
}

/** The counterpart of limitChecker: takes back a hit it counted, under the same counter name. */
export function limitRefunder(limiter: Limiter, rates: RateLimits): RefundLimit {
  return (rate, key, elapsedMs) => limiter.refund(`${rate}:${key}`, rates[rate], elapsedMs);
}
