import { type LimitDecision, type Limiter, REFUND_SLACK_MS, retryAfterSeconds } from './limiter.js';
import type { Rate } from './rate.js';

/** Expired windows are dropped this often, so idle keys do not pile up. */
const SWEEP_MS = 60_000;

/**
 * The in-process limiter (no REDIS_URL): fixed windows in a Map, read against the app's clock so tests can
 * move time. Concurrency slots are plain counters: a process always releases its own sockets.
 */
export function createMemoryLimiter(now: () => number = Date.now): Limiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const slots = new Map<string, number>();
  const sweep = setInterval(() => {
    const at = now();
    for (const [key, window] of windows) if (window.resetAt <= at) windows.delete(key);
  }, SWEEP_MS);
  sweep.unref();

  return {
    async hit(key: string, rate: Rate): Promise<LimitDecision> {
      const at = now();
      let window = windows.get(key);
      if (!window || window.resetAt <= at) {
        window = { count: 0, resetAt: at + rate.windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { allowed: window.count <= rate.count, retryAfter: retryAfterSeconds(window.resetAt - at) };
    },
    async refund(key: string, rate: Rate, elapsedMs: number): Promise<void> {
      const window = windows.get(key);
      if (!window || window.count === 0) return;
      const at = now();
      // Counted in this window only if the window had started when the hit was answered.
      const hitAt = at - elapsedMs + REFUND_SLACK_MS;
      if (window.resetAt <= at || hitAt < window.resetAt - rate.windowMs) return;
      window.count -= 1;
    },
    async acquire(key: string, max: number) {
      const held = slots.get(key) ?? 0;
      if (held >= max) return undefined;
      slots.set(key, held + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const left = (slots.get(key) ?? 1) - 1;
          if (left > 0) slots.set(key, left);
          else slots.delete(key);
        },
      };
    },
    async held(key: string) {
      return slots.get(key) ?? 0;
    },
    close() {
      clearInterval(sweep);
    },
  };
}
