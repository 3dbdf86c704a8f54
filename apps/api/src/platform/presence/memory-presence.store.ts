import type { ActivityState, PresenceStatus } from '@parley/contract';
import {
  nextVersion,
  type PresenceChange,
  type PresenceStore,
  type PresenceTiming,
  type SocketRef,
  statusOf,
  type VersionedStatus,
} from './presence-store.js';

interface UserPresence {
  /** socketId → state and lease end. */
  readonly sockets: Map<string, { state: ActivityState; until: number }>;
  status: PresenceStatus;
  version: number;
  /** Since when the user has had no live socket (while their status still holds). */
  emptySince: number | undefined;
  /** When this user must be re-decided; undefined when nothing can change without a call. */
  due: number | undefined;
}

/**
 * The presence store of a single instance (no REDIS_URL): the model of presence-store.ts in a Map. A user
 * back to offline with no socket is forgotten, keeping only their last version (so a later change is
 * still newer).
 */
export function createMemoryPresenceStore(timing: PresenceTiming): PresenceStore {
  const users = new Map<string, UserPresence>();
  /** Last versions of users forgotten while offline. */
  const versions = new Map<string, number>();

  function user(userId: string): UserPresence {
    let entry = users.get(userId);
    if (!entry) {
      entry = {
        sockets: new Map(),
        status: 'offline',
        version: versions.get(userId) ?? 0,
        emptySince: undefined,
        due: undefined,
      };
      users.set(userId, entry);
    }
    return entry;
  }

  /** Drops lapsed leases and decides the status; the change, if the status changed (or `force`). */
  function decide(
    userId: string,
    entry: UserPresence,
    at: number,
    force = false,
  ): PresenceChange | undefined {
    let lapsedUntil: number | undefined;
    for (const [socketId, socket] of entry.sockets) {
      if (socket.until <= at) {
        entry.sockets.delete(socketId);
        lapsedUntil = Math.max(lapsedUntil ?? 0, socket.until);
      }
    }
    let status: PresenceStatus;
    if (entry.sockets.size > 0) {
      status = statusOf([...entry.sockets.values()].map((socket) => socket.state));
      entry.emptySince = undefined;
      entry.due = Math.max(...[...entry.sockets.values()].map((socket) => socket.until));
    } else {
      entry.emptySince ??= lapsedUntil ?? at;
      if (entry.status === 'offline' || at >= entry.emptySince + timing.graceMs) {
        status = 'offline';
        entry.emptySince = undefined;
        entry.due = undefined;
      } else {
        status = entry.status;
        entry.due = entry.emptySince + timing.graceMs;
      }
    }
    const changed = status !== entry.status || force;
    if (changed) {
      entry.status = status;
      entry.version = nextVersion(entry.version, at);
    }
    if (entry.status === 'offline' && entry.sockets.size === 0) {
      users.delete(userId);
      versions.set(userId, entry.version);
    }
    return changed ? { userId, status: entry.status, version: entry.version } : undefined;
  }

  function put(socket: SocketRef, state: ActivityState, at: number): PresenceChange | undefined {
    const entry = user(socket.userId);
    entry.sockets.set(socket.socketId, { state, until: at + timing.leaseMs });
    return decide(socket.userId, entry, at);
  }

  return {
    async put(socket, state, at) {
      return put(socket, state, at);
    },
    async refresh(sockets, at) {
      const changes: PresenceChange[] = [];
      for (const socket of sockets) {
        const change = put(socket, socket.state, at);
        if (change) changes.push(change);
      }
      return changes;
    },
    async remove(socket, at) {
      const entry = users.get(socket.userId);
      if (!entry) return undefined;
      if (entry.sockets.delete(socket.socketId) && entry.sockets.size === 0) entry.emptySince = at;
      return decide(socket.userId, entry, at);
    },
    async sweep(at, limit) {
      const changes: PresenceChange[] = [];
      let seen = 0;
      for (const [userId, entry] of [...users]) {
        if (seen >= limit) break;
        if (entry.due === undefined || entry.due > at) continue;
        seen += 1;
        const change = decide(userId, entry, at);
        if (change) changes.push(change);
      }
      return changes;
    },
    async read(userIds) {
      const statuses = new Map<string, VersionedStatus>();
      for (const userId of userIds) {
        const entry = users.get(userId);
        statuses.set(
          userId,
          entry
            ? { status: entry.status, version: entry.version }
            : { status: 'offline', version: versions.get(userId) ?? 0 },
        );
      }
      return statuses;
    },
    async bump(userId, at) {
      const entry = user(userId);
      return decide(userId, entry, at, true) ?? { userId, status: entry.status, version: entry.version };
    },
    close() {
      users.clear();
    },
  };
}
