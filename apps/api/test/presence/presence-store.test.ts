import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { createMemoryPresenceStore } from '../../src/platform/presence/memory-presence.store.js';
import type { PresenceStore, PresenceTiming } from '../../src/platform/presence/presence-store.js';
import { createRedisPresenceStore } from '../../src/platform/presence/redis-presence.store.js';

/**
 * The presence model (platform/presence/presence-store.ts) on both stores, driven by the test's own clock:
 * every call names its time, so grace periods and lapsed leases are exact and nothing waits.
 */
const timing: PresenceTiming = { leaseMs: 30_000, graceMs: 15_000 };
const T0 = 1_800_000_000_000;

let redisServer: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  redisServer = await startRedis();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redisServer?.stop();
});

const stores: [string, () => PresenceStore][] = [
  ['memory', () => createMemoryPresenceStore(timing)],
  [
    'redis',
    () => {
      const client = new Redis(redisServer.url);
      clients.push(client);
      return createRedisPresenceStore(client, timing);
    },
  ],
];

/** What a sweep decided about one user (the Redis due set is shared by every test of the file). */
async function swept(store: PresenceStore, at: number, userId: string) {
  return (await store.sweep(at, 1_000)).filter((change) => change.userId === userId);
}

describe.each(stores)('presence store (%s)', (_kind, create) => {
  // Fresh user ids per test: the Redis keys of one test never meet another's.
  const user = () => `user-${randomUUID()}`;
  const socket = (userId: string) => ({ userId, socketId: randomUUID() });

  it('a first socket makes the user online at once; its close keeps them online through the grace period', async () => {
    const store = create();
    const alice = user();
    const tab = socket(alice);
    const online = await store.put(tab, 'active', T0);
    expect(online).toMatchObject({ userId: alice, status: 'online' });
    expect(await store.remove(tab, T0 + 1_000)).toBeUndefined();
    expect(await swept(store, T0 + 1_000 + timing.graceMs - 1, alice)).toEqual([]);
    expect((await store.read([alice])).get(alice)?.status).toBe('online');
    const [offline] = await swept(store, T0 + 1_000 + timing.graceMs, alice);
    expect(offline).toMatchObject({ userId: alice, status: 'offline' });
    expect(offline?.version).toBeGreaterThan(online?.version ?? Number.POSITIVE_INFINITY);
    expect((await store.read([alice])).get(alice)?.status).toBe('offline');
  });

  it('a reload within the grace period announces nothing: no offline, no second online', async () => {
    const store = create();
    const alice = user();
    const first = socket(alice);
    await store.put(first, 'active', T0);
    expect(await store.remove(first, T0 + 100)).toBeUndefined();
    expect((await store.read([alice])).get(alice)?.status).toBe('online');
    // The reloaded page's socket arrives 3 s later.
    expect(await store.put(socket(alice), 'active', T0 + 3_000)).toBeUndefined();
    expect(await swept(store, T0 + 100 + timing.graceMs + 1, alice)).toEqual([]);
    expect((await store.read([alice])).get(alice)?.status).toBe('online');
  });

  it('away only when every socket is idle; any active socket makes the user online again', async () => {
    const store = create();
    const alice = user();
    const laptop = socket(alice);
    const phone = socket(alice);
    await store.put(laptop, 'active', T0);
    expect(await store.put(phone, 'idle', T0)).toBeUndefined();
    expect(await store.put(laptop, 'idle', T0 + 1)).toMatchObject({ status: 'away' });
    expect(await store.put(phone, 'active', T0 + 2)).toMatchObject({ status: 'online' });
    expect(await store.put(phone, 'idle', T0 + 3)).toMatchObject({ status: 'away' });
    // The last idle socket closing keeps "away" through the grace period, then offline.
    await store.remove(laptop, T0 + 4);
    expect(await store.remove(phone, T0 + 5)).toBeUndefined();
    expect((await store.read([alice])).get(alice)?.status).toBe('away');
    expect(await swept(store, T0 + 5 + timing.graceMs, alice)).toEqual([
      expect.objectContaining({ userId: alice, status: 'offline' }),
    ]);
  });

  it('closing the only active socket while an idle one stays makes the user away at once', async () => {
    const store = create();
    const alice = user();
    const active = socket(alice);
    const idle = socket(alice);
    await store.put(active, 'active', T0);
    await store.put(idle, 'idle', T0);
    expect(await store.remove(active, T0 + 10)).toMatchObject({ status: 'away' });
  });

  it('sockets of an instance that stopped refreshing lapse: offline after lease and grace', async () => {
    const store = create();
    const alice = user();
    const tab = socket(alice);
    await store.put(tab, 'active', T0);
    // Refreshed once, then its instance died.
    expect(await store.refresh([{ ...tab, state: 'active' }], T0 + 10_000)).toEqual([]);
    const lapsed = T0 + 10_000 + timing.leaseMs;
    expect(await swept(store, lapsed - 1, alice)).toEqual([]);
    // The lease ran out: the grace period starts from the lease's end, as if the socket closed then.
    expect(await swept(store, lapsed, alice)).toEqual([]);
    expect((await store.read([alice])).get(alice)?.status).toBe('online');
    expect(await swept(store, lapsed + timing.graceMs, alice)).toEqual([
      expect.objectContaining({ userId: alice, status: 'offline' }),
    ]);
  });

  it("another instance's refresh drops the lapsed sockets of a dead one and decides again", async () => {
    const store = create();
    const alice = user();
    const deadActive = socket(alice);
    const liveIdle = socket(alice);
    await store.put(deadActive, 'active', T0);
    await store.put(liveIdle, 'idle', T0);
    const changes = await store.refresh([{ ...liveIdle, state: 'idle' }], T0 + timing.leaseMs + 1);
    expect(changes).toEqual([expect.objectContaining({ userId: alice, status: 'away' })]);
  });

  it('a refresh restores a lease that lapsed while the socket stayed open (Redis was away)', async () => {
    const store = create();
    const alice = user();
    const tab = socket(alice);
    await store.put(tab, 'active', T0);
    expect(await store.refresh([{ ...tab, state: 'active' }], T0 + timing.leaseMs + 5)).toEqual([]);
    expect((await store.read([alice])).get(alice)?.status).toBe('online');
  });

  it('a due user is claimed by one sweeper only', async () => {
    const store = create();
    const alice = user();
    const tab = socket(alice);
    await store.put(tab, 'active', T0);
    await store.remove(tab, T0);
    const at = T0 + timing.graceMs;
    const [one, two] = await Promise.all([store.sweep(at, 100), store.sweep(at, 100)]);
    expect([...(one ?? []), ...(two ?? [])].filter((change) => change.userId === alice)).toHaveLength(1);
  });

  it('bump gives the current status a newer version; read answers offline for someone never seen', async () => {
    const store = create();
    const alice = user();
    const stranger = user();
    const online = await store.put(socket(alice), 'active', T0);
    const bumped = await store.bump(alice, T0 + 1);
    expect(bumped.status).toBe('online');
    expect(bumped.version).toBeGreaterThan(online?.version ?? Number.POSITIVE_INFINITY);
    const read = await store.read([alice, stranger]);
    expect(read.get(alice)).toEqual({ status: 'online', version: bumped.version });
    expect(read.get(stranger)).toEqual({ status: 'offline', version: 0 });
  });

  it('versions keep growing across going offline and coming back', async () => {
    const store = create();
    const alice = user();
    const versions: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const at = T0 + round * 100_000;
      const tab = socket(alice);
      versions.push((await store.put(tab, 'active', at))?.version ?? 0);
      await store.remove(tab, at + 1);
      versions.push((await swept(store, at + 1 + timing.graceMs, alice))[0]?.version ?? 0);
    }
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(6);
  });
});
