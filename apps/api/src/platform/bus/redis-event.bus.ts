import type { Redis } from 'ioredis';
import type { BusEvent, EventBus } from './event-bus.js';

const PREFIX = 'parley:';
/** Channels per SUBSCRIBE / UNSUBSCRIBE command: a user in thousands of conversations costs a few commands. */
const CHANNELS_PER_COMMAND = 1_000;

export interface RedisBusLog {
  warn(obj: object, msg: string): void;
}

/**
 * Redis pub/sub: one publishing connection (shared) and one subscriber connection per instance, with
 * channels reference-counted so an instance listens only to conversations it has sockets for.
 *
 * Subscribing and unsubscribing are batched: changes made in one turn of the event loop go to Redis
 * together, at most CHANNELS_PER_COMMAND channels per command, so a socket following 10,000
 * conversations sends ten SUBSCRIBE commands, not 10,000. What is sent is the difference between the
 * channels with handlers now and the channels Redis was last told about, in one ordered flush, so an
 * unsubscribe followed by a subscribe in the same turn leaves the channel subscribed.
 */
export function createRedisEventBus(redis: Redis, log: RedisBusLog): EventBus {
  const subscriber = redis.duplicate();
  subscriber.on('error', (error) => log.warn({ err: error }, 'redis subscriber problem'));
  const handlers = new Map<string, Set<(event: BusEvent) => void>>();
  /** Channels Redis has been told to deliver to us → the confirmation of that SUBSCRIBE. */
  const atRedis = new Map<string, Promise<void>>();
  /** Per channel with handlers: resolves once Redis confirmed the SUBSCRIBE that covers it. */
  const confirmed = new Map<string, Promise<void>>();
  /** Channels whose wanted state may differ from `atRedis`, for the next flush. */
  const dirty = new Set<string>();
  let pendingConfirm: { promise: Promise<void>; resolve: () => void } | undefined;
  let closed = false;

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

  function flush(): void {
    const waiters = pendingConfirm;
    pendingConfirm = undefined;
    const toSubscribe: string[] = [];
    const toUnsubscribe: string[] = [];
    for (const channel of dirty) {
      const wanted = handlers.has(channel);
      if (wanted && !atRedis.has(channel)) toSubscribe.push(channel);
      if (!wanted && atRedis.has(channel)) toUnsubscribe.push(channel);
    }
    dirty.clear();
    if (closed) {
      waiters?.resolve();
      return;
    }
    const subscribed: Promise<void>[] = [];
    for (let start = 0; start < toSubscribe.length; start += CHANNELS_PER_COMMAND) {
      const slice = toSubscribe.slice(start, start + CHANNELS_PER_COMMAND);
      const done = subscriber.subscribe(...slice.map((channel) => PREFIX + channel)).then(
        () => undefined,
        (error: unknown) => log.warn({ err: error, channels: slice.length }, 'subscribe failed'),
      );
      for (const channel of slice) atRedis.set(channel, done);
      subscribed.push(done);
    }
    for (let start = 0; start < toUnsubscribe.length; start += CHANNELS_PER_COMMAND) {
      const slice = toUnsubscribe.slice(start, start + CHANNELS_PER_COMMAND);
      for (const channel of slice) atRedis.delete(channel);
      subscriber.unsubscribe(...slice.map((channel) => PREFIX + channel)).catch(() => undefined);
    }
    if (waiters) void Promise.all(subscribed).then(waiters.resolve);
  }

  /** Marks a channel for the next flush and returns the promise of that flush's confirmation. */
  function schedule(channel: string): Promise<void> {
    dirty.add(channel);
    if (!pendingConfirm) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      pendingConfirm = { promise, resolve };
      // After the current synchronous work and its microtasks: everything changed in this turn together.
      setImmediate(flush);
    }
    return pendingConfirm.promise;
  }

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
        // Still known to Redis (unsubscribed earlier in this turn, not flushed yet): its SUBSCRIBE stands.
        confirmed.set(channel, atRedis.get(channel) ?? schedule(channel));
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
            void schedule(channel);
          }
        },
      };
    },
    async close() {
      closed = true;
      handlers.clear();
      pendingConfirm?.resolve();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
