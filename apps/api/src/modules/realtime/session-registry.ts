import { channels, type EventBus, type SessionsEvent } from '../../platform/bus/event-bus.js';

/** What the registry needs of an authenticated connection. */
export interface RegisteredConnection {
  readonly sessionId: string | undefined;
  readonly tokenKid: string | undefined;
  /** Sends `session_revoked` and closes with 4001. */
  revoke(): void;
  /** Re-checks session, signing key and token expiry against the database and keyring. */
  checkSession(): Promise<void>;
}

export interface RegistryLog {
  warn(obj: object, msg: string): void;
}

/**
 * Session ids announced as ended are remembered this long, for sockets that authenticated just before
 * the end and register just after its announcement (the upgrade and the first `auth` frame both read
 * the session, then register a moment later).
 */
const RECENT_END_MS = 5 * 60_000;
/** Retired signing keys remembered (a handful a year). */
const MAX_RETIRED_KIDS = 256;
/** Sockets re-checked at a time when the bus comes back, so the database sees a trickle, not a burst. */
const RECHECK_CONCURRENCY = 8;

/**
 * This instance's authenticated sockets by session, closing them when the `sessions` channel says
 * their session ended or their token's signing key was retired — whichever instance it happened on.
 * When the bus recovers from an outage (ends may have been missed meanwhile), every socket is
 * re-checked at once instead of at its next heartbeat.
 */
export class SessionRegistry<C extends RegisteredConnection> {
  readonly #bySession = new Map<string, Set<C>>();
  readonly #recentlyEnded = new Map<string, number>();
  readonly #retiredKids = new Set<string>();
  readonly #stop: (() => void)[] = [];

  constructor(
    bus: EventBus,
    private readonly log: RegistryLog,
  ) {
    const subscription = bus.subscribe(channels.sessions, (event) => {
      if (event.kind === 'sessions_revoked' || event.kind === 'signing_keys_retired') this.#onEnd(event);
    });
    this.#stop.push(() => subscription.unsubscribe());
    this.#stop.push(
      bus.onHealthChange((healthy) => {
        if (healthy) void this.recheckAll();
      }),
    );
  }

  /** A connection that just authenticated; closed at once if its end was already announced. */
  add(connection: C): void {
    const id = connection.sessionId;
    if (!id) return;
    const kid = connection.tokenKid;
    if (this.#endedRecently(id) || (kid !== undefined && this.#retiredKids.has(kid))) {
      connection.revoke();
      return;
    }
    let set = this.#bySession.get(id);
    if (!set) {
      set = new Set();
      this.#bySession.set(id, set);
    }
    set.add(connection);
  }

  remove(connection: C): void {
    const id = connection.sessionId;
    const set = id ? this.#bySession.get(id) : undefined;
    if (!id || !set) return;
    set.delete(connection);
    if (set.size === 0) this.#bySession.delete(id);
  }

  get size(): number {
    let count = 0;
    for (const set of this.#bySession.values()) count += set.size;
    return count;
  }

  /** Re-checks every socket against the database (after the bus was down). */
  async recheckAll(): Promise<void> {
    const all = [...this.#bySession.values()].flatMap((set) => [...set]);
    for (let i = 0; i < all.length; i += RECHECK_CONCURRENCY) {
      await Promise.all(
        all
          .slice(i, i + RECHECK_CONCURRENCY)
          .map((connection) =>
            connection
              .checkSession()
              .catch((error: unknown) => this.log.warn({ err: error }, 'session re-check failed')),
          ),
      );
    }
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #onEnd(event: SessionsEvent): void {
    if (event.kind === 'sessions_revoked') {
      const forgetAt = Date.now() + RECENT_END_MS;
      for (const id of event.sessionIds) {
        this.#rememberEnded(id, forgetAt);
        for (const connection of [...(this.#bySession.get(id) ?? [])]) connection.revoke();
      }
      return;
    }
    const kids = new Set(event.kids);
    for (const kid of kids) this.#retiredKids.add(kid);
    while (this.#retiredKids.size > MAX_RETIRED_KIDS) {
      const oldest = this.#retiredKids.values().next().value;
      if (oldest === undefined) break;
      this.#retiredKids.delete(oldest);
    }
    for (const set of [...this.#bySession.values()]) {
      for (const connection of [...set]) {
        if (connection.tokenKid !== undefined && kids.has(connection.tokenKid)) connection.revoke();
      }
    }
  }

  #rememberEnded(id: string, forgetAt: number): void {
    this.#recentlyEnded.delete(id);
    this.#recentlyEnded.set(id, forgetAt);
    // Insertion order is expiry order: drop from the front what is past its time.
    const now = Date.now();
    for (const [oldId, at] of this.#recentlyEnded) {
      if (at > now) break;
      this.#recentlyEnded.delete(oldId);
    }
  }

  #endedRecently(id: string): boolean {
    const at = this.#recentlyEnded.get(id);
    return at !== undefined && at > Date.now();
  }
}
