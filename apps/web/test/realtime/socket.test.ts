import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/realtime/socket.js';

const OPTIONS = { baseMs: 500, maxMs: 30_000 };

describe('reconnect backoff', () => {
  it('doubles each attempt with equal jitter: half the step fixed, half random', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, OPTIONS, () => 0))).toEqual([
      250, 500, 1000, 2000,
    ]);
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, OPTIONS, () => 1))).toEqual([
      500, 1000, 2000, 4000,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    for (const attempt of [6, 7, 16, 17, 1000]) {
      const delay = backoffDelay(attempt, OPTIONS, () => 0.999);
      expect(delay).toBeLessThanOrEqual(OPTIONS.maxMs);
      expect(delay).toBeGreaterThanOrEqual(OPTIONS.maxMs / 2);
    }
  });
});
