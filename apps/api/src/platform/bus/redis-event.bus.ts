import type { Redis } from 'ioredis';
import type { BusEvent, EventBus } from './event-bus.js';

const PREFIX = 'parley:';

export interface RedisBusLog {
  warn(obj: object, msg: string): void;
}

/**
 * Redis pub/sub: one publishing connection (shared) and one subscriber connection per instance, with
 * channels reference-counted so an instance listens only to conversations it has sockets for.
 */
export function createRedisEventBus(redis: Redis, log: RedisBusLog): EventBus {
  const subscriber = redis.duplicate();
  subscriber.on('error', (error) => log.warn({ err: error }, 'redis subscriber problem'));
  const handlers = new Map<string, Set<(event: BusEvent) => void>>();
  const confirmed = new Map<string, Promise<void>>();

  subscriber.on('message', (channel: string, payload: string) => {
    const set = handlers.get(channel.slice(PREFIX.length));
    if (!set) return;
    let event: BusEvent;
    try {
      event = JSON.parse(payload) as BusEvent;
    } catch {
      return;
    }
    for (const handler of [...set]) handler(event);
  });

  return {
    publish(channel, event) {
      redis.publish(PREFIX + channel, JSON.stringify(event)).catch((error: unknown) => {
        log.warn({ err: error, channel }, 'publish failed');
      });
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        confirmed.set(
          channel,
          subscriber.subscribe(PREFIX + channel).then(
            () => undefined,
            (error: unknown) => log.warn({ err: error, channel }, 'subscribe failed'),
          ),
        );
      }
      set.add(handler);
      const current = set;
      return {
        ready: confirmed.get(channel) ?? Promise.resolve(),
        unsubscribe: () => {
          current.delete(handler);
          if (current.size === 0 && handlers.get(channel) === current) {
            handlers.delete(channel);
            confirmed.delete(channel);
            subscriber.unsubscribe(PREFIX + channel).catch(() => undefined);
          }
        },
      };
    },
    async close() {
      handlers.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
