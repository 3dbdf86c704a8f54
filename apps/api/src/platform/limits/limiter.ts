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
  /** Takes one of at most `max` concurrent slots of `key`; undefined when all are taken. */
  acquire(key: string, max: number): Promise<SlotLease | undefined>;
  close(): void;
}

/**
 * A held slot is a lease in Redis: refreshed every third of this while held, so the slots of an
 * instance that died without releasing them free themselves within this time.
 */
export const SLOT_LEASE_MS = 60_000;

/** Whole seconds until `ms` from now, at least 1 (a Retry-After of 0 invites an immediate retry storm). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Counts one hit of a configured `LIMIT_*` rate for `key`. */
export type CheckLimit = (rate: RateName, key: string) => Promise<LimitDecision>;

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
