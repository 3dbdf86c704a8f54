import type { PresenceStatus, ServerFrame } from '@parley/contract';
import type { VersionedStatus } from '../../platform/presence/presence-store.js';
import type { PresenceLedger } from '../presence/presence-ledger.js';

/** A status shown by a dot: online or away (everyone else is offline). */
type ShownStatus = Exclude<PresenceStatus, 'offline'>;

/** Status as a small integer: the values of a view's map stay unboxed. */
const STATUS_CODES = { online: 1, away: 2 } as const satisfies Record<ShownStatus, number>;

/**
 * What one socket's client knows of other people's presence. Changes arrive once per shared conversation
 * and, across instances, in any order: the instance's ledger drops a version older than the newest heard
 * and a client hears a status only when it differs from the last one it was told. Until `start` (the
 * `ready` frame) nothing is sent: changes heard while the snapshot is read are merged into it instead.
 *
 * Per socket it keeps only the co-members last told online or away, as small integers keyed by the
 * ledger's copy of their id (10,000 sockets in a 1,000-member group hold 1,000 entries each).
 */
export class PresenceView {
  /** Told (after `start`): online or away, by user; absent means offline. */
  readonly #told = new Map<string, number>();
  /** Before `start`: the newest heard of each user, merged into the snapshot. */
  #heard: Map<string, VersionedStatus> | undefined = new Map();

  constructor(
    private readonly selfId: string,
    private readonly ledger: PresenceLedger,
    private readonly send: (frame: ServerFrame) => void,
  ) {}

  /** A status heard or looked up; passed on when newer and different. The user's own is not. */
  offer(userId: string, status: PresenceStatus, version: number): void {
    if (userId === this.selfId) return;
    const heard = this.#heard;
    if (heard) {
      const known = heard.get(userId);
      if (!known || known.version < version) heard.set(userId, { status, version });
      return;
    }
    const id = this.ledger.accept(userId, version);
    if (id === undefined) return;
    const told = this.#told.get(id) ?? 0;
    const code = status === 'offline' ? 0 : STATUS_CODES[status];
    if (told === code) return;
    if (code === 0) this.#told.delete(id);
    else this.#told.set(id, code);
    this.send({ type: 'presence', userId: id, status });
  }

  /** Merges the snapshot and goes live; the statuses for `ready` (online and away only). */
  start(snapshot: ReadonlyMap<string, VersionedStatus>): Record<string, ShownStatus> {
    const heard = this.#heard ?? new Map<string, VersionedStatus>();
    this.#heard = undefined;
    for (const [userId, versioned] of snapshot) {
      const known = heard.get(userId);
      if (!known || known.version < versioned.version) heard.set(userId, versioned);
    }
    const shown: Record<string, ShownStatus> = {};
    for (const [userId, { status, version }] of heard) {
      if (userId === this.selfId || status === 'offline') continue;
      const id = this.ledger.accept(userId, version);
      if (id === undefined) continue;
      this.#told.set(id, STATUS_CODES[status]);
      shown[id] = status;
    }
    return shown;
  }
}
