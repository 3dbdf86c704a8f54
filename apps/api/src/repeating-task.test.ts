import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RepeatingTask } from './repeating-task.js';

describe('RepeatingTask', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every interval (±10 %), one run at a time, and goes on after a failed run', async () => {
    let runs = 0;
    let inFlight = 0;
    let mostAtOnce = 0;
    let release: (() => void) | undefined;
    const task = new RepeatingTask(1_000, async () => {
      runs += 1;
      inFlight += 1;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      if (runs === 1) throw new Error('first run fails');
      if (runs === 2) await new Promise<void>((resolve) => (release = resolve));
      inFlight -= 1;
    });
    task.start();
    task.start(); // a second start schedules nothing more
    await vi.advanceTimersByTimeAsync(899);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1_101 - 899);
    expect(runs).toBe(1);
    inFlight = 0; // the failed run threw before finishing its bookkeeping
    await vi.advanceTimersByTimeAsync(1_100);
    expect(runs).toBe(2);
    // The second run hangs: no third starts while it is in progress, however long it takes.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(2);
    release?.();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(runs).toBe(3);
    expect(mostAtOnce).toBe(1);
    await task.stop();
  });

  it('stop() cancels the next run and waits for the one in progress', async () => {
    let finished = false;
    let release: (() => void) | undefined;
    let runs = 0;
    const task = new RepeatingTask(1_000, async () => {
      runs += 1;
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
    });
    task.start();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release?.();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
  });
});
