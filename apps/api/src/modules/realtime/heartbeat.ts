/** Something beaten by the heartbeat: a socket's ping and session re-check. */
export interface Beating {
  beat(): void;
}

/**
 * One timer for every socket of the instance instead of one each. The interval is split into slots
 * (about one a second, at least four); each tick beats the sockets of one slot, so every socket is
 * beaten once per interval and the first beat comes between (slots − 1) / slots of an interval and a
 * whole interval after it joined. The beats of one tick run together: their session re-checks are one
 * batched query (`SessionCheck.activeSession`) instead of one query per socket spread over the interval.
 * The timer runs only while a socket is registered.
 */
export class Heartbeat {
  readonly #slots: Set<Beating>[];
  readonly #slotMs: number;
  #cursor = 0;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {
    const count = Math.max(4, Math.round(intervalMs / 1000));
    this.#slots = Array.from({ length: count }, () => new Set<Beating>());
    this.#slotMs = intervalMs / count;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a member to the slot that was just beaten; returns what removes it. */
  add(member: Beating): () => void {
    const slot = this.#slots[(this.#cursor + this.#slots.length - 1) % this.#slots.length] as Set<Beating>;
    slot.add(member);
    this.#size += 1;
    if (!this.#timer) this.#timer = setInterval(() => this.tick(), this.#slotMs);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      slot.delete(member);
      this.#size -= 1;
      if (this.#size === 0) this.stop();
    };
  }

  /** Beats the next slot (the timer calls this; tests may too). */
  tick(): void {
    const slot = this.#slots[this.#cursor] as Set<Beating>;
    this.#cursor = (this.#cursor + 1) % this.#slots.length;
    for (const member of [...slot]) member.beat();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
