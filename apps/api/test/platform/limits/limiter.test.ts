import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../../scripts/services/redis.js';
import type { Limiter } from '../../../src/platform/limits/limiter.js';
import { createMemoryLimiter } from '../../../src/platform/limits/memory-limiter.js';
import { createRedisLimiter } from '../../../src/platform/limits/redis-limiter.js';

const quiet = { warn: () => undefined };
const unique = () => randomBytes(6).toString('hex');

/** The behaviour both limiters share; Redis windows run on real time, so they are not moved here. */
function contract(name: string, make: () => Limiter) {
  describe(`${name} limiter`, () => {
    let limiter: Limiter;
    beforeAll(() => {
      limiter = make();
    });
    afterAll(() => limiter?.close());

    it('allows count hits per window, then refuses with the seconds left in the window', async () => {
      const key = `t:${unique()}`;
      const rate = { count: 3, windowMs: 60_000 };
      const decisions = [];
      for (let i = 0; i < 5; i += 1) decisions.push(await limiter.hit(key, rate));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
      for (const decision of decisions) {
        expect(decision.retryAfter).toBeGreaterThanOrEqual(1);
        expect(decision.retryAfter).toBeLessThanOrEqual(60);
      }
      // Another key has its own count.
      expect((await limiter.hit(`t:${unique()}`, rate)).allowed).toBe(true);
    });

    it('takes back a refunded hit in its window, never below zero', async () => {
      const key = `r:${unique()}`;
      const rate = { count: 2, windowMs: 60_000 };
      // Refunds on a key never hit, or hit and refunded already, change nothing.
      await limiter.refund(key, rate, 0);
      for (let i = 0; i < 5; i += 1) {
        expect((await limiter.hit(key, rate)).allowed).toBe(true);
        await limiter.refund(key, rate, 0);
      }
      await limiter.refund(key, rate, 0);
      const decisions = [];
      for (let i = 0; i < 3; i += 1) decisions.push((await limiter.hit(key, rate)).allowed);
      expect(decisions).toEqual([true, true, false]);
      // A refund lets one more through; the refused hit itself still counts.
      await limiter.refund(key, rate, 0);
      expect((await limiter.hit(key, rate)).allowed).toBe(false);
      await limiter.refund(key, rate, 0);
      await limiter.refund(key, rate, 0);
      expect((await limiter.hit(key, rate)).allowed).toBe(true);
    });

    it('does not refund into a window that started after the hit', async () => {
      const key = `w:${unique()}`;
      const rate = { count: 1, windowMs: 60_000 };
      expect((await limiter.hit(key, rate)).allowed).toBe(true);
      // A hit answered longer ago than this window has existed belongs to an earlier window.
      await limiter.refund(key, rate, 120_000);
      expect((await limiter.hit(key, rate)).allowed).toBe(false);
    });

    it('caps concurrent slots per key and frees a slot on release (once, however often released)', async () => {
      const key = `s:${unique()}`;
      const first = await limiter.acquire(key, 2);
      const second = await limiter.acquire(key, 2);
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(await limiter.acquire(key, 2)).toBeUndefined();
      expect(await limiter.acquire(`s:${unique()}`, 2)).toBeDefined();
      first?.release();
      first?.release();
      const third = await limiter.acquire(key, 2);
      expect(third).toBeDefined();
      expect(await limiter.acquire(key, 2)).toBeUndefined();
      second?.release();
      third?.release();
    });

    it('counts the slots held of a key (whether a user has a socket open)', async () => {
      const key = `h:${unique()}`;
      expect(await limiter.held(key)).toBe(0);
      const first = await limiter.acquire(key, 3);
      const second = await limiter.acquire(key, 3);
      expect(await limiter.held(key)).toBe(2);
      first?.release();
      await expect.poll(() => limiter.held(key)).toBe(1);
      second?.release();
      await expect.poll(() => limiter.held(key)).toBe(0);
    });
  });
}

describe('limiters', () => {
  let redisServer: RedisServer;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redisServer?.stop();
  });
  const redisClient = () => {
    const client = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };

  contract('memory', () => createMemoryLimiter());
  contract('redis', () => createRedisLimiter(redisClient(), { log: quiet }));

  it('memory: a new window starts once the old one has passed on the injected clock', async () => {
    let now = 1_000_000;
    const limiter = createMemoryLimiter(() => now);
    const rate = { count: 2, windowMs: 10_000 };
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    now += 4_000;
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    const refused = await limiter.hit('k', rate);
    expect(refused).toEqual({ allowed: false, retryAfter: 6 });
    now += 5_999;
    expect((await limiter.hit('k', rate)).retryAfter).toBe(1);
    now += 1;
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    limiter.close();
  });

  it('memory: a refund after the window rolled over leaves the new window alone', async () => {
    let now = 1_000_000;
    const limiter = createMemoryLimiter(() => now);
    const rate = { count: 1, windowMs: 10_000 };
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    now += 10_000;
    // The next window starts with this hit; a refund of the first (answered 10 s ago) is not its.
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    await limiter.refund('k', rate, 10_000);
    expect((await limiter.hit('k', rate)).allowed).toBe(false);
    // A refund of this window's own hit is taken.
    now += 1_000;
    await limiter.refund('k', rate, 1_000);
    expect((await limiter.hit('k', rate)).allowed).toBe(false);
    await limiter.refund('k', rate, 0);
    await limiter.refund('k', rate, 0);
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    limiter.close();
  });

  it('memory: refunds the first hit of a window although its clock counts whole milliseconds', async () => {
    let now = 1_000_000;
    const limiter = createMemoryLimiter(() => now);
    const rate = { count: 1, windowMs: 10_000 };
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    // 5 whole milliseconds later on the limiter's clock, 5.9 by the caller's finer one.
    now += 5;
    await limiter.refund('k', rate, 5.9);
    expect((await limiter.hit('k', rate)).allowed).toBe(true);
    limiter.close();
  });

  it('redis: two instances share one count and one set of slots', async () => {
    const a = createRedisLimiter(redisClient(), { log: quiet });
    const b = createRedisLimiter(redisClient(), { log: quiet });
    const key = `shared:${unique()}`;
    const rate = { count: 4, windowMs: 60_000 };
    const allowed = [];
    for (let i = 0; i < 6; i += 1) allowed.push((await (i % 2 ? b : a).hit(key, rate)).allowed);
    expect(allowed).toEqual([true, true, true, true, false, false]);
    const held = await a.acquire(key, 1);
    expect(held).toBeDefined();
    expect(await b.acquire(key, 1)).toBeUndefined();
    held?.release();
    await expect.poll(async () => (await b.acquire(key, 1)) !== undefined).toBe(true);
    a.close();
    b.close();
  });

  it('redis: the slots of an instance that died free themselves when their lease lapses', async () => {
    const leaseMs = 300;
    const dead = createRedisLimiter(redisClient(), { log: quiet, leaseMs });
    const alive = createRedisLimiter(redisClient(), { log: quiet, leaseMs });
    const key = `lease:${unique()}`;
    expect(await dead.acquire(key, 1)).toBeDefined();
    // The "dead" instance stops refreshing without releasing.
    dead.close();
    expect(await alive.acquire(key, 1)).toBeUndefined();
    await expect.poll(async () => (await alive.acquire(key, 1)) !== undefined, { timeout: 5_000 }).toBe(true);
    // A live holder keeps its slot past its first lease because it refreshes: once the lease has been
    // pushed out by more than a whole lease length, the first one would have lapsed.
    const kept = `kept:${unique()}`;
    const lease = await alive.acquire(kept, 1);
    expect(lease).toBeDefined();
    const inspect = redisClient();
    const leaseEnd = async () =>
      Number((await inspect.zrange(`parley:slots:${kept}`, 0, 0, 'WITHSCORES'))[1]);
    const firstEnd = await leaseEnd();
    await expect.poll(leaseEnd, { timeout: 5_000 }).toBeGreaterThan(firstEnd + leaseMs);
    expect(await alive.acquire(kept, 1)).toBeUndefined();
    lease?.release();
    alive.close();
  });

  it("redis: held() counts other instances' slots, not lapsed ones, and throws when Redis does not answer", async () => {
    const leaseMs = 300;
    const dead = createRedisLimiter(redisClient(), { log: quiet, leaseMs });
    const alive = createRedisLimiter(redisClient(), { log: quiet, leaseMs });
    const key = `held:${unique()}`;
    expect(await dead.acquire(key, 5)).toBeDefined();
    expect(await alive.held(key)).toBe(1);
    dead.close();
    await expect.poll(() => alive.held(key), { timeout: 5_000 }).toBe(0);
    alive.close();
    const broken = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    broken.on('error', () => undefined);
    const limiter = createRedisLimiter(broken, { log: quiet, timeoutMs: 200 });
    await expect(limiter.held(key)).rejects.toThrow();
    limiter.close();
    broken.disconnect();
  });

  it('redis: fails open (and quickly) when Redis is unreachable', async () => {
    const warnings: string[] = [];
    const broken = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    broken.on('error', () => undefined);
    clients.push(broken);
    const limiter = createRedisLimiter(broken, {
      log: { warn: (_obj, msg) => warnings.push(msg) },
      timeoutMs: 200,
    });
    const rate = { count: 1, windowMs: 60_000 };
    for (let i = 0; i < 3; i += 1) expect((await limiter.hit('down', rate)).allowed).toBe(true);
    const lease = await limiter.acquire('down', 1);
    expect(lease).toBeDefined();
    lease?.release();
    // One warning, not one per call.
    expect(warnings).toEqual(['rate limit check failed; letting it through']);
    limiter.close();
  });
});
