import { randomUUID } from 'node:crypto';
import type { ActivityState, PresenceStatus } from '@parley/contract';
import type { Kysely } from 'kysely';
import { chunked, IN_CHUNK, yieldToEventLoop } from '../../db/chunks.js';
import type { DB } from '../../db/schema.js';
import { channels, type EventBus } from '../../platform/bus/event-bus.js';
import type {
  PresenceChange,
  PresenceStore,
  SocketEntry,
  VersionedStatus,
} from '../../platform/presence/presence-store.js';
import { userConversationIds } from '../conversations/conversation.repository.js';
import { isPresenceVisible, visibleMembersOf } from './presence.repository.js';
import { PresenceLedger } from './presence-ledger.js';

/** Announcements walking a user's conversations at once on this instance (each a few queries at a time). */
const MAX_WALKS = 2;
/**
 * A user's announcements start at most this often on one instance: a tab flapping between idle and
 * active (within its frame budget) costs one walk a second, and the newest status is what goes out.
 */
const MIN_ANNOUNCE_INTERVAL_MS = 1_000;
/** One warning line per message this often while the store is failing (a Redis outage), not one a second. */
const WARN_EVERY_MS = 10_000;
/** Users re-decided per sweep step. */
const SWEEP_STEP = 500;

export interface PresenceLog {
  warn(obj: object, msg: string): void;
}

export interface PresenceDeps {
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly store: PresenceStore;
  /** The clock (ms) the store decides by; tests move it. */
  readonly now: () => number;
  readonly log: PresenceLog;
  /** How often this instance refreshes its sockets' leases (the WebSocket heartbeat). */
  readonly refreshMs: number;
  /** How often this instance re-decides users whose grace or leases ran out. */
  readonly sweepMs: number;
}

/** One socket's part in its user's presence, held by the connection. */
export interface PresenceSocket {
  /** The tab reported activity (`activity` frame). */
  activity(state: ActivityState): void;
  /** The socket closed. */
  close(): void;
}

interface Announcement extends PresenceChange {
  /** Announce even if the user is hidden (their visibility changed: everyone must hear `offline`). */
  readonly force: boolean;
}

/**
 * Presence on this instance: its sockets' part in the shared store (PresenceStore: in memory, or Redis
 * shared by every instance), the periodic lease refresh and sweep, and the announcement of each change.
 *
 * A change is announced as a `presence` event on each of the user's conversation channels, which every
 * socket of a member already follows: a member hears it once per shared conversation and passes it on
 * once (the version orders them), a stranger never hears it. Hidden users (`presence_visible = 0`) are
 * announced offline once, when they hide, and not at all afterwards. Announcing walks the user's
 * conversations a chunk at a time with a turn of the event loop between chunks, at most MAX_WALKS users
 * at a time and one walk per user per MIN_ANNOUNCE_INTERVAL_MS, and a user's newer change replaces one
 * still waiting (or cuts a walk short and starts over), so a user in 20,000 conversations, or one
 * flapping between idle and active, costs bounded work and never stalls.
 */
export class Presence {
  /** The newest version heard of each user on this instance, shared by every socket's view. */
  readonly ledger = new PresenceLedger();
  readonly #sockets = new Map<string, SocketEntry>();
  /** Announcements waiting for a walk, by user, in arrival order (a newer one takes the older's place). */
  readonly #waiting = new Map<string, Announcement>();
  /** Users whose announcement is walking now, and whether it was forced. */
  readonly #walking = new Map<string, Announcement>();
  /** Users whose last announcement started less than MIN_ANNOUNCE_INTERVAL_MS ago. */
  readonly #cooling = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  /** Store calls per socket, in order (a close never overtakes the connect). */
  readonly #chains = new Map<string, Promise<void>>();
  #stopped = false;
  readonly #warned = new Map<string, number>();

  constructor(private readonly deps: PresenceDeps) {}

  /** Sockets of this instance counted in presence now. */
  get socketCount(): number {
    return this.#sockets.size;
  }

  /** Resolves once every store call queued so far for this instance's sockets is done. */
  async settled(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  /** Starts the lease refresh and the sweep (listening instances; `inject`-only apps never need them). */
  start(): void {
    if (this.#timers.length > 0 || this.#stopped) return;
    const refresh = setInterval(() => void this.refresh(), this.deps.refreshMs);
    const sweep = setInterval(() => void this.sweep(), this.deps.sweepMs);
    refresh.unref();
    sweep.unref();
    this.#timers.push(refresh, sweep);
  }

  /** Stops the timers and drops announcements not yet made (the app is closing). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#waiting.clear();
  }

  /** A socket of `userId` authenticated: it counts as active until it says otherwise. */
  connect(userId: string): PresenceSocket {
    const socketId = randomUUID();
    let entry: SocketEntry = { userId, socketId, state: 'active' };
    this.#sockets.set(socketId, entry);
    this.#queue(socketId, () => this.deps.store.put(entry, 'active', this.deps.now()));
    let closed = false;
    return {
      activity: (state) => {
        if (closed || entry.state === state) return;
        entry = { ...entry, state };
        this.#sockets.set(socketId, entry);
        this.#queue(socketId, () => this.deps.store.put(entry, state, this.deps.now()));
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.#sockets.delete(socketId);
        this.#queue(socketId, () => this.deps.store.remove(entry, this.deps.now()), true);
      },
    };
  }

  /**
   * The user showed or hid their presence (`users.presence_visible` already updated): everyone sharing a
   * conversation with them hears it again, `offline` when hidden, their real status when shown.
   */
  async visibilityChanged(userId: string, visible: boolean): Promise<void> {
    const change = await this.deps.store.bump(userId, this.deps.now());
    this.#announce({ ...change, status: visible ? change.status : 'offline', force: true });
  }

  /**
   * The statuses a fresh client of `userId` starts from, gathered a step of conversations at a time as
   * the connect walk reaches them (`PresenceSnapshot.add`): the people sharing a conversation with them
   * who are online or away (hidden people are not), with versions, each looked up once.
   */
  snapshot(userId: string): PresenceSnapshot {
    return new PresenceSnapshot((ids, seen, found) => this.#collect(userId, ids, seen, found));
  }

  /** The same for the members of some conversations only (one the user was just added to). */
  async statusesIn(
    userId: string,
    conversationIds: readonly string[],
  ): Promise<Map<string, VersionedStatus>> {
    const snapshot = this.snapshot(userId);
    for (const slice of chunked(conversationIds)) await snapshot.add(slice);
    return snapshot.statuses;
  }

  /** Renews the leases of this instance's sockets; announces what changed (sockets of dead instances). */
  async refresh(): Promise<void> {
    if (this.#sockets.size === 0) return;
    try {
      const at = this.deps.now();
      for (const slice of chunked([...this.#sockets.values()], SWEEP_STEP)) {
        for (const change of await this.deps.store.refresh(slice, at))
          this.#announce({ ...change, force: false });
        await yieldToEventLoop();
      }
    } catch (error) {
      this.#warn(error, 'presence refresh failed');
    }
  }

  /** Re-decides the users whose grace period or leases ran out; announces their changes. */
  async sweep(): Promise<void> {
    try {
      for (;;) {
        const changes = await this.deps.store.sweep(this.deps.now(), SWEEP_STEP);
        for (const change of changes) this.#announce({ ...change, force: false });
        if (changes.length < SWEEP_STEP || this.#stopped) return;
        await yieldToEventLoop();
      }
    } catch (error) {
      this.#warn(error, 'presence sweep failed');
    }
  }

  async #collect(
    userId: string,
    conversationIds: readonly string[],
    seen: Set<string>,
    found: Map<string, VersionedStatus>,
  ): Promise<void> {
    const members = (await visibleMembersOf(this.deps.db, userId, conversationIds)).filter(
      (id) => !seen.has(id),
    );
    for (const id of members) seen.add(id);
    for (const [id, status] of await this.deps.store.read(members)) {
      if (status.status !== 'offline') found.set(id, status);
    }
  }

  #warn(error: unknown, message: string): void {
    const now = Date.now();
    if (now - (this.#warned.get(message) ?? 0) < WARN_EVERY_MS) return;
    this.#warned.set(message, now);
    this.deps.log.warn({ err: error }, message);
  }

  #queue(socketId: string, call: () => Promise<PresenceChange | undefined>, last = false): void {
    const previous = this.#chains.get(socketId) ?? Promise.resolve();
    const next = previous.then(call).then(
      (change) => {
        if (change) this.#announce({ ...change, force: false });
      },
      (error: unknown) => this.#warn(error, 'presence update failed'),
    );
    this.#chains.set(socketId, next);
    if (last) void next.then(() => this.#chains.get(socketId) === next && this.#chains.delete(socketId));
  }

  #announce(announcement: Announcement): void {
    if (this.#stopped) return;
    const waiting = this.#waiting.get(announcement.userId);
    if (waiting && waiting.version > announcement.version) return;
    const walking = this.#walking.get(announcement.userId);
    // A forced announcement cut short by a newer one hands its force on (the hidden user must be heard).
    const force = announcement.force || (waiting?.force ?? false) || (walking?.force ?? false);
    this.#waiting.set(announcement.userId, { ...announcement, force });
    this.#drain();
  }

  #drain(): void {
    for (const [userId, announcement] of this.#waiting) {
      if (this.#walking.size >= MAX_WALKS) return;
      if (this.#walking.has(userId) || this.#cooling.has(userId)) continue;
      this.#waiting.delete(userId);
      this.#walking.set(userId, announcement);
      this.#cooling.add(userId);
      setTimeout(() => {
        this.#cooling.delete(userId);
        if (this.#waiting.has(userId)) this.#drain();
      }, MIN_ANNOUNCE_INTERVAL_MS).unref();
      void this.#walk(announcement)
        .catch((error: unknown) => this.#warn(error, 'presence announcement failed'))
        .finally(() => {
          this.#walking.delete(userId);
          this.#drain();
        });
    }
  }

  /** Publishes the change on each of the user's conversations, a chunk at a time. */
  async #walk(announcement: Announcement): Promise<void> {
    const { userId, version } = announcement;
    const visible = await isPresenceVisible(this.deps.db, userId);
    if (!visible && !announcement.force) return;
    const status: PresenceStatus = visible ? announcement.status : 'offline';
    let afterId = '';
    for (;;) {
      // A newer change of this user is waiting: it will be announced everywhere, this one need not go on.
      if (this.#waiting.has(userId) || this.#stopped) return;
      const ids = await userConversationIds(this.deps.db, userId, { afterId, limit: IN_CHUNK });
      for (const conversationId of ids)
        this.deps.bus.publish(channels.conversation(conversationId), {
          kind: 'presence',
          conversationId,
          userId,
          status,
          version,
        });
      const last = ids.at(-1);
      if (last === undefined || ids.length < IN_CHUNK) return;
      afterId = last;
      await yieldToEventLoop();
    }
  }
}

type Collect = (
  conversationIds: readonly string[],
  seen: Set<string>,
  found: Map<string, VersionedStatus>,
) => Promise<void>;

/** Statuses of co-members, built up a chunk of conversations at a time (one query and one read each). */
export class PresenceSnapshot {
  readonly #seen = new Set<string>();
  readonly statuses = new Map<string, VersionedStatus>();

  constructor(private readonly collect: Collect) {}

  /** Adds the members of these conversations (at most a chunk, IN_CHUNK). */
  add(conversationIds: readonly string[]): Promise<void> {
    if (conversationIds.length === 0) return Promise.resolve();
    return this.collect(conversationIds, this.#seen, this.statuses);
  }
}
