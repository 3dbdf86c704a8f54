import type { PresenceStatus, ServerFrame } from '@parley/contract';
import type { VersionedStatus } from '../../platform/presence/presence-store.js';

/** A status shown by a dot: online or away (everyone else is offline). */
type ShownStatus = Exclude<PresenceStatus, 'offline'>;

/**
 * What one socket's client knows of other people's presence. Changes arrive once per shared conversation
 * and, across instances, in any order: each user's newest version wins and a client hears a status only
 * when it differs from the last one it was told. Until `start` (the `ready` frame) nothing is sent: changes
 * heard while the snapshot is read are merged into it instead.
 */
export class PresenceView {
  readonly #known = new Map<string, VersionedStatus>();
  #live = false;

  constructor(
    private readonly selfId: string,
    private readonly send: (frame: ServerFrame) => void,
  ) {}

  /** A status heard or looked up; passed on when newer and different. The user's own is not. */
  offer(userId: string, status: PresenceStatus, version: number): void {
    if (userId === this.selfId) return;
    const known = this.#known.get(userId);
    if (known && known.version >= version) return;
    this.#known.set(userId, { status, version });
    if (this.#live && (known?.status ?? 'offline') !== status)
      this.send({ type: 'presence', userId, status });
  }

  /** Merges the snapshot and goes live; the statuses for `ready` (online and away only). */
  start(snapshot: ReadonlyMap<string, VersionedStatus>): Record<string, ShownStatus> {
    for (const [userId, { status, version }] of snapshot) this.offer(userId, status, version);
    this.#live = true;
    const shown: Record<string, ShownStatus> = {};
    for (const [userId, { status }] of this.#known) if (status !== 'offline') shown[userId] = status;
    return shown;
  }
}
