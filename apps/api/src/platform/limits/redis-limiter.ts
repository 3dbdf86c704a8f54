import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  type LimitDecision,
  type Limiter,
  REFUND_SLACK_MS,
  retryAfterSeconds,
  SLOT_LEASE_MS,
  type SlotLease,
} from './limiter.js';
import type { Rate } from './rate.js';

const PREFIX = 'parley:rl:';
const SLOTS_PREFIX = 'parley:slots:';

/** One fixed window: the first hit starts it (PEXPIRE), every hit counts; returns [count, ms left]. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

/**
 * Takes back one hit: only when the window is the one the hit was counted in (its age, window length minus
 * the time to live, is at least the time since the hit was answered) and the count is above 0. Keeps the TTL.
 */
const REFUND = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
if tonumber(ARGV[1]) - ttl < tonumber(ARGV[2]) then return 0 end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count < 1 then return 0 end
redis.call('DECR', KEYS[1])
return 1`;

/**
 * A sorted set of holders scored by when their lease ends: lapsed leases (an instance that died) are
 * dropped, then a new holder joins only below the cap. Times come from the instances' (NTP) clocks; a lease
 * is a minute long, so milliseconds of skew do not matter.
 */
const ACQUIRE = `
local now = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** Extends a held lease; re-adds it if it lapsed (e.g. Redis was unreachable), since the socket is open. */
const REFRESH = `
local now = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

interface Scripts {
  parleyLimitHit(key: string, windowMs: number): Promise<[number, number]>;
  parleyLimitRefund(key: string, windowMs: number, elapsedMs: number): Promise<number>;
  parleySlotAcquire(key: string, holder: string, max: number, leaseMs: number, now: number): Promise<number>;
  parleySlotRefresh(key: string, holder: string, leaseMs: number, now: number): Promise<number>;
}

export interface RedisLimiterOptions {
  log: { warn(obj: object, msg: string): void };
  /** A Redis answer slower than this counts as an outage for that call (fail open). */
  timeoutMs?: number;
  leaseMs?: number;
}

/** Rejects after `ms` so a hanging Redis cannot hold a request or a WebSocket frame. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The shared limiter (REDIS_URL set): every instance counts in the same Redis keys, so a user's limits hold
 * whichever instance each request or socket lands on. Errors and timeouts let the hit through.
 */
export function createRedisLimiter(redis: Redis, options: RedisLimiterOptions): Limiter {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const leaseMs = options.leaseMs ?? SLOT_LEASE_MS;
  redis.defineCommand('parleyLimitHit', { numberOfKeys: 1, lua: HIT });
  redis.defineCommand('parleyLimitRefund', { numberOfKeys: 1, lua: REFUND });
  redis.defineCommand('parleySlotAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand('parleySlotRefresh', { numberOfKeys: 1, lua: REFRESH });
  const scripts = redis as unknown as Scripts;
  const leases = new Set<NodeJS.Timeout>();
  let lastWarning = 0;
  const failOpen = (error: unknown, what: string, outcome = 'letting it through') => {
    // One line per 10 s is enough to notice an outage without flooding the log on every request.
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    options.log.warn({ err: error }, `rate limit ${what} failed; ${outcome}`);
  };

  return {
    async hit(key: string, rate: Rate): Promise<LimitDecision> {
      try {
        const [count, ttl] = await within(scripts.parleyLimitHit(PREFIX + key, rate.windowMs), timeoutMs);
        return { allowed: Number(count) <= rate.count, retryAfter: retryAfterSeconds(Number(ttl)) };
      } catch (error) {
        failOpen(error, 'check');
        return { allowed: true, retryAfter: retryAfterSeconds(rate.windowMs) };
      }
    },
    async refund(key: string, rate: Rate, elapsedMs: number): Promise<void> {
      try {
        await within(
          scripts.parleyLimitRefund(
            PREFIX + key,
            rate.windowMs,
            Math.max(0, Math.floor(elapsedMs) - REFUND_SLACK_MS),
          ),
          timeoutMs,
        );
      } catch (error) {
        failOpen(error, 'refund', 'the hit stays counted');
      }
    },
    async acquire(key: string, max: number): Promise<SlotLease | undefined> {
      const slotKey = SLOTS_PREFIX + key;
      const holder = randomUUID();
      try {
        const taken = await within(
          scripts.parleySlotAcquire(slotKey, holder, max, leaseMs, Date.now()),
          timeoutMs,
        );
        if (Number(taken) !== 1) return undefined;
      } catch (error) {
        // Admitted without a count; the refresh below adds the lease once Redis answers again.
        failOpen(error, 'slot');
      }
      const timer = setInterval(() => {
        scripts
          .parleySlotRefresh(slotKey, holder, leaseMs, Date.now())
          .catch((error: unknown) => failOpen(error, 'slot refresh'));
      }, leaseMs / 3);
      timer.unref();
      leases.add(timer);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          clearInterval(timer);
          leases.delete(timer);
          redis.zrem(slotKey, holder).catch((error: unknown) => failOpen(error, 'slot release'));
        },
      };
    },
    async held(key: string): Promise<number> {
      // Leases scored at or before now have lapsed (an instance died holding them).
      return Number(await within(redis.zcount(SLOTS_PREFIX + key, `(${Date.now()}`, '+inf'), timeoutMs));
    },
    close() {
      for (const timer of leases) clearInterval(timer);
      leases.clear();
    },
  };
}
