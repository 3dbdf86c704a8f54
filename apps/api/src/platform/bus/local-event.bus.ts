import type { BusEvent, EventBus } from './event-bus.js';

/** One process: handlers run on a later tick, as they would after a network hop. */
export function createLocalEventBus(): EventBus {
  const handlers = new Map<string, Set<(event: BusEvent) => void>>();
  return {
    publish(channel, event) {
      const set = handlers.get(channel);
      if (!set || set.size === 0) return;
      for (const handler of [...set]) queueMicrotask(() => handler(event));
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
