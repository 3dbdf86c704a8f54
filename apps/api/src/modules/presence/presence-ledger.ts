/**
 * A version older than the newest heard by this much is forgotten by the ledger: changes reach every
 * instance within seconds, so none older than this can still be on its way.
 */
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * The newest presence version heard of each user on this instance, shared by every socket's view (one
 * entry per user, not one per socket and co-member). Its entry's id is the one copy of the user's id every
 * view keys its map by. Entries are kept in the order they last changed and forgotten once FORGET_AFTER_MS
 * older than the newest change heard.
 */
export class PresenceLedger {
  readonly #entries = new Map<string, { readonly id: string; version: number }>();

  /**
   * The user's id (the ledger's copy) when `version` is at least the newest heard of them (the change may
   * be passed on), or undefined when a newer one was heard already.
   */
  accept(userId: string, version: number): string | undefined {
    const entry = this.#entries.get(userId);
    if (entry && entry.version > version) return undefined;
    if (entry?.version === version) return entry.id;
    this.#entries.delete(userId);
    const id = entry?.id ?? userId;
    this.#entries.set(id, { id, version });
    this.#forgetBefore(version - FORGET_AFTER_MS);
    return id;
  }

  /** Users with an entry now. */
  get size(): number {
    return this.#entries.size;
  }

  #forgetBefore(version: number): void {
    for (const [userId, entry] of this.#entries) {
      if (entry.version >= version) return;
      this.#entries.delete(userId);
    }
  }
}
