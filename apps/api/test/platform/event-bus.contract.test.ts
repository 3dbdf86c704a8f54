import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import type { BusEvent, EventBus } from '../../src/platform/bus/event-bus.js';
import { createLocalEventBus } from '../../src/platform/bus/local-event.bus.js';
import { createRedisEventBus } from '../../src/platform/bus/redis-event.bus.js';

const quiet = { info: () => undefined, warn: () => undefined };
const MANY = 2_500;

const typing = (conversationId: string): BusEvent => ({ kind: 'typing', conversationId, userId: 'u' });

/** Collects events per channel and lets a test wait until a count is reached. */
class Inbox {
  readonly byChannel = new Map<string, BusEvent[]>();
  #waiters: (() => void)[] = [];
  handler(channel: string) {
    return (event: BusEvent) => {
      this.byChannel.set(channel, [...(this.byChannel.get(channel) ?? []), event]);
      for (const waiter of this.#waiters) waiter();
    };
  }
  get total(): number {
    let n = 0;
    for (const events of this.byChannel.values()) n += events.length;
    return n;
  }
  until(total: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${this.total} of ${total} events`)), timeoutMs);
      const check = () => {
        if (this.total >= total) {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== check);
          resolve();
        }
      };
      this.#waiters.push(check);
      check();
    });
  }
}

let redis: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const client of clients) await client.quit().catch(() => client.disconnect());
  await redis?.stop();
});

function redisClient(): Redis {
  const client = new Redis(redis.url, { lazyConnect: false });
  clients.push(client);
  return client;
}

/** A marker event published after everything else: once it arrives, earlier publishes have been handled. */
async function drain(bus: EventBus, channel: string): Promise<void> {
  const inbox = new Inbox();
  const subscription = bus.subscribe(channel, inbox.handler(channel));
  await subscription.ready;
  bus.publish(channel, typing('marker'));
  await inbox.until(1);
  subscription.unsubscribe();
}

describe.each([
  ['in-process', () => createLocalEventBus()],
  ['Redis', () => createRedisEventBus(redisClient(), quiet)],
] as const)('event bus contract: %s', (_name, makeBus) => {
  it('delivers to the channel subscribed, not to others, and stops after unsubscribe', async () => {
    const bus = makeBus();
    const inbox = new Inbox();
    const a = bus.subscribe('conv:a', inbox.handler('a'));
    const b = bus.subscribe('conv:b', inbox.handler('b'));
    await Promise.all([a.ready, b.ready]);
    bus.publish('conv:a', typing('a'));
    await inbox.until(1);
    a.unsubscribe();
    bus.publish('conv:a', typing('a'));
    bus.publish('conv:b', typing('b'));
    await inbox.until(2);
    await drain(bus, 'conv:marker');
    expect(inbox.byChannel.get('a')).toHaveLength(1);
    expect(inbox.byChannel.get('b')).toHaveLength(1);
    b.unsubscribe();
    await bus.close();
  });

  it('keeps a channel while another handler still listens, and after unsubscribe + subscribe in one turn', async () => {
    const bus = makeBus();
    const inbox = new Inbox();
    const one = bus.subscribe('conv:shared', inbox.handler('one'));
    const two = bus.subscribe('conv:shared', inbox.handler('two'));
    await Promise.all([one.ready, two.ready]);
    one.unsubscribe();
    bus.publish('conv:shared', typing('shared'));
    await inbox.until(1);
    // The last handler goes and a new one comes before anything reaches Redis: the channel stays.
    two.unsubscribe();
    const three = bus.subscribe('conv:shared', inbox.handler('three'));
    await three.ready;
    bus.publish('conv:shared', typing('shared'));
    await inbox.until(2);
    expect([...inbox.byChannel.keys()].sort()).toEqual(['three', 'two']);
    three.unsubscribe();
    await bus.close();
  });

  it(`subscribes ${MANY} channels in one turn and delivers to each of them`, async () => {
    const bus = makeBus();
    const inbox = new Inbox();
    const channels = Array.from({ length: MANY }, (_, i) => `conv:many-${i}`);
    const subscriptions = channels.map((channel) => bus.subscribe(channel, inbox.handler(channel)));
    await Promise.all(subscriptions.map((s) => s.ready));
    for (const channel of channels) bus.publish(channel, typing(channel));
    await inbox.until(MANY);
    expect(inbox.byChannel.size).toBe(MANY);
    for (const subscription of subscriptions) subscription.unsubscribe();
    await bus.close();
  });
});

describe('Redis bus batching', () => {
  async function commandCalls(admin: Redis, command: 'subscribe' | 'unsubscribe'): Promise<number> {
    const info = await admin.info('commandstats');
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
    return Number(match?.[1] ?? 0);
  }

  it(`sends ${MANY} subscriptions made in one turn as a few commands, and unsubscribes them the same way`, async () => {
    const admin = redisClient();
    const bus = createRedisEventBus(redisClient(), quiet);
    // Connected and delivering first: the subscriber's own start-up SUBSCRIBE (its probe) is not counted.
    await new Promise<void>((resolve) => {
      if (bus.healthy) resolve();
      else bus.onHealthChange((healthy) => healthy && resolve());
    });
    const subscribesBefore = await commandCalls(admin, 'subscribe');
    const subscriptions = Array.from({ length: MANY }, (_, i) =>
      bus.subscribe(`conv:batch-${i}`, () => undefined),
    );
    await Promise.all(subscriptions.map((s) => s.ready));
    expect((await admin.pubsub('CHANNELS', 'parley:conv:batch-*')) as string[]).toHaveLength(MANY);
    // At most 1,000 channels per SUBSCRIBE: 3 commands, not 2,500.
    expect((await commandCalls(admin, 'subscribe')) - subscribesBefore).toBe(Math.ceil(MANY / 1_000));

    const unsubscribesBefore = await commandCalls(admin, 'unsubscribe');
    for (const subscription of subscriptions) subscription.unsubscribe();
    // Wait (bounded) until Redis has dropped them all.
    for (let round = 0; round < 200; round += 1) {
      if (((await admin.pubsub('CHANNELS', 'parley:conv:batch-*')) as string[]).length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await admin.pubsub('CHANNELS', 'parley:conv:batch-*')) as string[]).toHaveLength(0);
    expect((await commandCalls(admin, 'unsubscribe')) - unsubscribesBefore).toBe(Math.ceil(MANY / 1_000));
    await bus.close();
  });
});
