import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FanoutMetrics } from '../metrics/metrics.js';
import type { BusEvent, EventBus } from './event-bus.js';

const PREFIX = 'parley:';
/** Channels per SUBSCRIBE / UNSUBSCRIBE command: a user in thousands of conversations costs a few commands. */
const CHANNELS_PER_COMMAND = 1_000;
const QUIT_TIMEOUT_MS = 1_000;

export interface RedisBusLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisBusOptions {
  /**
   * A probe is published to this instance's own channel this often; one that has not come back through
   * the subscriber by the next probe means events are not being delivered. @default 5000
   */
  probeIntervalMs?: number;
  /** Records the time to hand each arriving event to this instance's subscribers. */
  metrics?: FanoutMetrics | undefined;
}

type Health = 'starting' | 'healthy' | 'degraded';

/**
 * Redis pub/sub: one publishing connection (shared) and one subscriber connection per instance, with
 * channels reference-counted so an instance listens only to conversations it has sockets for.
 *
 * Subscriptions survive any outage. The subscriber's commands wait in its offline queue however long
 * Redis is away (a SUBSCRIBE that gave up after a few retries used to leave an instance started before
 * Redis was reachable deaf to the `sessions` channel for good), and after every reconnect it subscribes
 * again to every channel that has handlers. A probe published to this instance's own channel proves
 * the whole round trip; when it does not come back the bus is degraded (logged once, with the reason),
 * and if Redis took the probe but the subscriber never delivered it, the subscriber reconnects.
 *
 * Subscribing and unsubscribing are batched: changes made in one turn of the event loop go to Redis
 * together, at most CHANNELS_PER_COMMAND channels per command, so a socket following 10,000
 * conversations sends ten SUBSCRIBE commands, not 10,000. What is sent is the difference between the
 * channels with handlers now and the channels Redis was last told about, in one ordered flush, so an
 * unsubscribe followed by a subscribe in the same turn leaves the channel subscribed.
 */
export interface RedisEventBus extends EventBus {
  /** Resolves once every event published so far reached Redis; rejects if one could not (for CLIs). */
  flush(): Promise<void>;
}

export function createRedisEventBus(
  redis: Redis,
  log: RedisBusLog,
  options: RedisBusOptions = {},
): RedisEventBus {
  const probeIntervalMs = options.probeIntervalMs ?? 5_000;
  const subscriber = redis.duplicate({
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResubscribe: false,
  });
  const handlers = new Map<string, Set<(event: BusEvent) => void>>();
  /** Channels Redis has been told to deliver to us → the confirmation of that SUBSCRIBE. */
  const atRedis = new Map<string, Promise<void>>();
  /** Per channel with handlers: resolves once Redis confirmed the SUBSCRIBE that covers it. */
  const confirmed = new Map<string, Promise<void>>();
  /** Channels whose wanted state may differ from `atRedis`, for the next flush. */
  const dirty = new Set<string>();
  let pendingConfirm: { promise: Promise<void>; resolve: () => void } | undefined;
  const probeChannel = `${PREFIX}probe:${randomBytes(9).toString('base64url')}`;
  const healthListeners = new Set<(healthy: boolean) => void>();
  let health: Health = 'starting';
  let closed = false;
  /** Resolves the next time the bus degrades; waiting for a subscription stops there. */
  let degraded = deferred();

  function setHealth(next: Health, reason: string): void {
    if (closed || next === health) return;
    const wasHealthy = health === 'healthy';
    const previous = health;
    health = next;
    if (next === 'degraded') {
      log.warn(
        { reason },
        'event bus degraded: Redis fan-out is not delivering; WebSocket heartbeats close the sockets of ended sessions until it recovers',
      );
      degraded.resolve();
    } else {
      degraded = deferred();
      log.info(
        { reason },
        previous === 'starting' ? 'event bus delivering through Redis' : 'event bus recovered',
      );
    }
    if (wasHealthy !== (next === 'healthy')) {
      for (const listener of [...healthListeners]) listener(next === 'healthy');
    }
  }

  subscriber.on('error', (error) => log.warn({ err: error }, 'redis subscriber problem'));
  subscriber.on('close', () => setHealth('degraded', 'redis subscriber disconnected'));
  subscriber.on('ready', () => {
    // A new connection knows no channel: subscribe to the probe and to every channel with handlers again.
    atRedis.clear();
    const all = [probeChannel, ...handlers.keys()];
    for (let i = 0; i < all.length; i += CHANNELS_PER_COMMAND) {
      const slice = all.slice(i, i + CHANNELS_PER_COMMAND);
      const done = subscriber
        .subscribe(...slice.map((channel) => (channel === probeChannel ? channel : PREFIX + channel)))
        .then(
          () => undefined,
          (error: unknown) => log.warn({ err: error }, 're-subscribe failed'),
        );
      for (const channel of slice) if (channel !== probeChannel) atRedis.set(channel, done);
    }
    probe();
  });

  subscriber.on('message', (channel: string, payload: string) => {
    if (channel === probeChannel) {
      if (outstanding && payload === outstanding.id) {
        outstanding = undefined;
        setHealth('healthy', 'probe delivered');
      }
      return;
    }
    const set = handlers.get(channel.slice(PREFIX.length));
    if (!set) return;
    let event: BusEvent;
    try {
      event = JSON.parse(payload) as BusEvent;
    } catch {
      return;
    }
    const started = performance.now();
    for (const handler of [...set]) handler(event);
    options.metrics?.fanout((performance.now() - started) / 1000);
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
      pendingConfirm = deferred();
      // After the current synchronous work and its microtasks: everything changed in this turn together.
      setImmediate(flush);
    }
    return pendingConfirm.promise;
  }

  const inFlight = new Set<Promise<void>>();
  let probeSeq = 0;
  /** The probe in flight: what PUBLISH answered (receivers), if it has. */
  let outstanding: { id: string; sentAt: number; receivers: number | 'pending' | 'failed' } | undefined;

  function probe(): void {
    if (closed) return;
    const last = outstanding;
    // A probe sent moments ago (on reconnect) gets a full interval before it is judged.
    if (last && Date.now() - last.sentAt < probeIntervalMs / 2) return;
    if (last) {
      if (last.receivers === 'pending') setHealth('degraded', 'redis is not answering');
      else if (last.receivers === 'failed') setHealth('degraded', 'publish failed');
      else {
        // Redis took the probe, yet this subscriber did not deliver it (not subscribed any more, or a
        // connection that died without closing): start it afresh; it re-subscribes when ready.
        setHealth('degraded', last.receivers === 0 ? 'subscription lost' : 'subscriber not receiving');
        if (subscriber.status === 'ready') subscriber.disconnect(true);
      }
    }
    const current: NonNullable<typeof outstanding> = {
      id: String(++probeSeq),
      sentAt: Date.now(),
      receivers: 'pending',
    };
    outstanding = current;
    redis.publish(probeChannel, current.id).then(
      (receivers) => {
        current.receivers = receivers;
      },
      () => {
        current.receivers = 'failed';
      },
    );
  }
  const probeTimer = setInterval(probe, probeIntervalMs);
  probeTimer.unref();

  return {
    publish(channel, event) {
      const sent = redis.publish(PREFIX + channel, JSON.stringify(event)).then(
        () => undefined,
        (error: unknown) => {
          log.warn({ err: error, channel }, 'publish failed');
          throw error;
        },
      );
      inFlight.add(sent);
      sent.then(
        () => inFlight.delete(sent),
        () => inFlight.delete(sent),
      );
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        // Still known to Redis (unsubscribed earlier in this turn, not flushed yet): its SUBSCRIBE stands.
        const subscribed = atRedis.get(channel) ?? schedule(channel);
        // While the bus is degraded nobody waits for Redis: the subscription completes when it is back,
        // and the gateway's cursors fill any gap from the database at the next event.
        confirmed.set(
          channel,
          Promise.race([subscribed, health === 'degraded' ? undefined : degraded.promise]),
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
            void schedule(channel);
          }
        },
      };
    },
    get healthy() {
      return health === 'healthy';
    },
    onHealthChange(listener) {
      healthListeners.add(listener);
      return () => healthListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(probeTimer);
      handlers.clear();
      pendingConfirm?.resolve();
      healthListeners.clear();
      degraded.resolve();
      // QUIT would wait in the offline queue (or on a Redis that stopped answering) for ever.
      if (subscriber.status !== 'ready') {
        subscriber.disconnect();
        return;
      }
      const timer = setTimeout(() => subscriber.disconnect(), QUIT_TIMEOUT_MS);
      await subscriber.quit().catch(() => subscriber.disconnect());
      clearTimeout(timer);
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
