import type { PresenceStatus } from '@parley/contract';
import type { Redis } from 'ioredis';
import type {
  PresenceChange,
  PresenceStore,
  PresenceTiming,
  SocketRef,
  VersionedStatus,
} from './presence-store.js';

const PREFIX = 'parley:presence:';
/** userId → when it must be re-decided (sorted set, shared by every instance). */
const DUE_KEY = `${PREFIX}due`;
/** A user back to offline keeps their record (its version) this long; later versions are time-based anyway. */
const OFFLINE_KEEP_MS = 7 * 24 * 3_600_000;

/**
 * One step of the model in presence-store.ts for one user, atomically. Keys: the user's record (hash: `s`
 * status, `v` version, `e` empty since), their leases (sorted set socketId → lease end), their idle
 * sockets (set), the due set. ARGV: op (put | remove | sweep | bump), now, socketId, state, leaseMs,
 * graceMs, userId, offlineKeepMs. Returns false when a sweep found the user not due (another instance
 * claimed them), else { changed (0/1), status, version }.
 */
const STEP = `
local op, now, socket, state = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local leaseMs, graceMs, user, keepMs = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local record, leases, idle, dueSet = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if op == 'sweep' then
  local due = redis.call('ZSCORE', dueSet, user)
  if not due or tonumber(due) > now then return false end
elseif op == 'put' then
  redis.call('ZADD', leases, now + leaseMs, socket)
  if state == 'idle' then redis.call('SADD', idle, socket) else redis.call('SREM', idle, socket) end
elseif op == 'remove' then
  if redis.call('ZREM', leases, socket) == 1 and redis.call('ZCARD', leases) == 0 then
    redis.call('HSET', record, 'e', now)
  end
  redis.call('SREM', idle, socket)
end
local lapsedUntil = nil
local lapsed = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'WITHSCORES')
for i = 1, #lapsed, 2 do
  redis.call('SREM', idle, lapsed[i])
  local leaseEnd = tonumber(lapsed[i + 1])
  if not lapsedUntil or leaseEnd > lapsedUntil then lapsedUntil = leaseEnd end
end
if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', leases, '-inf', now) end
local last = redis.call('HGET', record, 's') or 'offline'
local version = tonumber(redis.call('HGET', record, 'v') or '0')
local count = redis.call('ZCARD', leases)
local status, due
if count > 0 then
  status = 'online'
  if redis.call('SCARD', idle) >= count then status = 'away' end
  redis.call('HDEL', record, 'e')
  due = tonumber(redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIRE', leases, leaseMs)
  redis.call('PEXPIRE', idle, leaseMs)
else
  local since = tonumber(redis.call('HGET', record, 'e') or '')
  if not since then since = lapsedUntil or now end
  if last == 'offline' or now >= since + graceMs then
    status = 'offline'
    redis.call('HDEL', record, 'e')
  else
    status = last
    redis.call('HSET', record, 'e', since)
    due = since + graceMs
  end
end
if due then redis.call('ZADD', dueSet, due, user) else redis.call('ZREM', dueSet, user) end
local changed = 0
if status ~= last or op == 'bump' then
  changed = 1
  version = math.max(version + 1, math.floor(now))
  redis.call('HSET', record, 's', status, 'v', version)
end
if status == 'offline' and count == 0 then
  redis.call('PEXPIRE', record, keepMs)
else
  redis.call('PERSIST', record)
end
return { changed, status, tostring(version) }`;

type StepResult = [number, PresenceStatus, string] | null;

interface Scripts {
  parleyPresenceStep(
    record: string,
    leases: string,
    idle: string,
    due: string,
    op: 'put' | 'remove' | 'sweep' | 'bump',
    now: number,
    socketId: string,
    state: string,
    leaseMs: number,
    graceMs: number,
    userId: string,
    keepMs: number,
  ): Promise<StepResult>;
}

const keys = (userId: string) =>
  [`${PREFIX}u:${userId}`, `${PREFIX}l:${userId}`, `${PREFIX}i:${userId}`, DUE_KEY] as const;

/**
 * The shared presence store (REDIS_URL set): every instance's sockets in the same keys, each call one
 * Lua step (see STEP), so two instances deciding about one user at once cannot both announce a change.
 * Redis errors propagate: the caller logs them and the next refresh or sweep decides again.
 */
export function createRedisPresenceStore(redis: Redis, timing: PresenceTiming): PresenceStore {
  redis.defineCommand('parleyPresenceStep', { numberOfKeys: 4, lua: STEP });
  const scripts = redis as unknown as Scripts;

  async function step(
    op: 'put' | 'remove' | 'sweep' | 'bump',
    userId: string,
    at: number,
    socketId = '',
    state = '',
  ): Promise<{ change: PresenceChange; changed: boolean } | undefined> {
    const result = await scripts.parleyPresenceStep(
      ...keys(userId),
      op,
      Math.floor(at),
      socketId,
      state,
      timing.leaseMs,
      timing.graceMs,
      userId,
      OFFLINE_KEEP_MS,
    );
    if (!result) return undefined;
    const [changed, status, version] = result;
    return { change: { userId, status, version: Number(version) }, changed: Number(changed) === 1 };
  }

  const changeOf = (result: Awaited<ReturnType<typeof step>>) =>
    result?.changed ? result.change : undefined;

  return {
    async put(socket: SocketRef, state, at) {
      return changeOf(await step('put', socket.userId, at, socket.socketId, state));
    },
    async refresh(sockets, at) {
      // Sent together (ioredis writes them back to back); each is its own atomic step.
      const results = await Promise.all(
        sockets.map((socket) => step('put', socket.userId, at, socket.socketId, socket.state)),
      );
      return results.flatMap((result) => (result?.changed ? [result.change] : []));
    },
    async remove(socket, at) {
      return changeOf(await step('remove', socket.userId, at, socket.socketId));
    },
    async sweep(at, limit) {
      const due = await redis.zrangebyscore(DUE_KEY, '-inf', Math.floor(at), 'LIMIT', 0, limit);
      const results = await Promise.all(due.map((userId) => step('sweep', userId, at)));
      return results.flatMap((result) => (result?.changed ? [result.change] : []));
    },
    async read(userIds) {
      const statuses = new Map<string, VersionedStatus>();
      if (userIds.length === 0) return statuses;
      const pipeline = redis.pipeline();
      for (const userId of userIds) pipeline.hmget(keys(userId)[0], 's', 'v');
      const replies = (await pipeline.exec()) ?? [];
      userIds.forEach((userId, index) => {
        const [error, value] = replies[index] ?? [];
        if (error) throw error;
        const [status, version] = (value as [string | null, string | null] | undefined) ?? [null, null];
        statuses.set(userId, {
          status: (status as PresenceStatus | null) ?? 'offline',
          version: Number(version ?? 0),
        });
      });
      return statuses;
    },
    async bump(userId, at) {
      const result = await step('bump', userId, at);
      if (!result) throw new Error('presence bump returned nothing');
      return result.change;
    },
    close() {
      // The connection is the platform's; nothing of its own to release.
    },
  };
}
