import type { FanoutMetrics } from '../metrics/metrics.js';
import type { BusEvent, EventBus } from './event-bus.js';

/**
 * One process: handlers run on a later tick, as they would after a network hop. With `metrics`, the time
 * from publish until the last subscriber ran is recorded as the event's fan-out.
 */
export function createLocalEventBus(options: { metrics?: FanoutMetrics | undefined } = {}): EventBus {
  const handlers = new Map<string, Set<(event: BusEvent) => void>>();
  return {
    publish(channel, event) {
      const set = handlers.get(channel);
      if (!set || set.size === 0) return;
      const { metrics } = options;
      const started = performance.now();
      let left = set.size;
      for (const handler of [...set])
        queueMicrotask(() => {
          try {
            handler(event);
          } finally {
            left -= 1;
            if (left === 0) metrics?.fanout((performance.now() - started) / 1000);
          }
        });
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(handler);
      return {
        ready: Promise.resolve(),
        unsubscribe: () => {
          set.delete(handler);
          if (set.size === 0) handlers.delete(channel);
        },
      };
    },
    healthy: true,
    onHealthChange: () => () => undefined,
    async close() {
      handlers.clear();
    },
  };
}
