import type { ActivityState, PresenceStatus } from '@parley/contract';

/**
 * Where every instance records its users' sockets, so a user's presence is the same whichever instance
 * reads it: in this process without Redis (memory-presence.store.ts), in Redis with it
 * (redis-presence.store.ts). Both follow one model, decided in one step per call (atomically in Redis):
 *
 * - Each socket holds a **lease** (a time it is alive until) and a state, `active` or `idle`. The instance
 *   holding it refreshes the lease every heartbeat; an instance that dies stops refreshing, its leases
 *   lapse and its sockets count as gone.
 * - A user with a live socket is `online` when any of their sockets is active, `away` when all are idle.
 * - A user with no live socket keeps their last status for `graceMs` after the last one went (a reload
 *   reconnects within it and nobody sees a flicker), then is `offline`.
 * - Every status change gets a **version**, larger than every earlier one of that user (at least the
 *   time of the change in ms), so subscribers hearing changes out of order keep the newest.
 * - A user whose status may change without a call for them (grace ran out, leases lapsed) is **due** at
 *   that time; `sweep` re-decides due users, each claimed by exactly one caller across instances.
 *
 * Every method takes the time (`at`, ms) from the caller, so tests drive the model with their own clock.
 */
export interface PresenceStore {
  /** A socket connected, or reported its activity: its state and a fresh lease. */
  put(socket: SocketRef, state: ActivityState, at: number): Promise<PresenceChange | undefined>;
  /** The holder's periodic refresh of its sockets' leases (restoring any that lapsed while it was away). */
  refresh(sockets: readonly SocketEntry[], at: number): Promise<PresenceChange[]>;
  /** A socket closed: it no longer counts; the status holds for the grace period if it was the last. */
  remove(socket: SocketRef, at: number): Promise<PresenceChange | undefined>;
  /** Re-decides up to `limit` users due by `at`; the changes found. */
  sweep(at: number, limit: number): Promise<PresenceChange[]>;
  /** The current status and version of each user (offline, version 0, when never seen). */
  read(userIds: readonly string[]): Promise<Map<string, VersionedStatus>>;
  /** A new version of the user's current status, for announcing it again (visibility changed). */
  bump(userId: string, at: number): Promise<PresenceChange>;
  close(): void;
}

export interface SocketRef {
  readonly userId: string;
  /** Unique per socket across instances (a random UUID). */
  readonly socketId: string;
}

export interface SocketEntry extends SocketRef {
  readonly state: ActivityState;
}

export interface VersionedStatus {
  readonly status: PresenceStatus;
  readonly version: number;
}

export interface PresenceChange extends VersionedStatus {
  readonly userId: string;
}

export interface PresenceTiming {
  /** How long a socket's lease lasts without a refresh. */
  readonly leaseMs: number;
  /** How long a user without sockets keeps their status. */
  readonly graceMs: number;
}

/** The status of a user whose live sockets are in these states (at least one). */
export function statusOf(states: Iterable<ActivityState>): PresenceStatus {
  for (const state of states) if (state === 'active') return 'online';
  return 'away';
}

/** The version of a change at `at` after `previous`: larger than it, and at least `at`. */
export function nextVersion(previous: number, at: number): number {
  return Math.max(previous + 1, Math.floor(at));
}
