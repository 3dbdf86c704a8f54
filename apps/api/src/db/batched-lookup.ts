import { IN_CHUNK } from './chunks.js';

export interface BatchedLookupOptions {
  /** Queries running at once; lookups made meanwhile wait for the next one. @default 1 */
  readonly maxInFlight?: number;
  /** Most keys in one query. @default IN_CHUNK (500) */
  readonly maxKeys?: number;
}

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Many lookups by key, one query: the lookups made in one turn of the event loop (and while the
 * previous queries run) are answered by one `query(keys)` over their distinct keys.
 *
 * Never stale: a lookup is answered only by a query that **started after the lookup was made**. A
 * lookup that arrives while queries are running does not join them; it waits for the next query, which
 * starts when one of them finishes. So anything committed before the lookup was made — a revoked
 * session, a deleted account — is what its answer reflects, exactly as if it had run its own query;
 * only the number of queries changes (ADR 0014).
 *
 * `query` returns the rows it found by key; a key without a row resolves to undefined. A failed query
 * rejects the lookups it was answering, and only those.
 */
export class BatchedLookup<K, V> {
  readonly #query: (keys: K[]) => Promise<ReadonlyMap<K, V>>;
  readonly #maxInFlight: number;
  readonly #maxKeys: number;
  /** Keys waiting for a query that has not started yet. */
  readonly #pending = new Map<K, Waiter<V>[]>();
  #inFlight = 0;
  #scheduled = false;

  constructor(query: (keys: K[]) => Promise<ReadonlyMap<K, V>>, options: BatchedLookupOptions = {}) {
    const maxInFlight = options.maxInFlight ?? 1;
    const maxKeys = options.maxKeys ?? IN_CHUNK;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be ≥ 1');
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be ≥ 1');
    this.#query = query;
    this.#maxInFlight = maxInFlight;
    this.#maxKeys = maxKeys;
  }

  /** Queries running now (for tests and metrics). */
  get inFlight(): number {
    return this.#inFlight;
  }

  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      this.#schedule();
    });
  }

  /** After the current turn's I/O callbacks, so the lookups they make join the same query. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    while (this.#inFlight < this.#maxInFlight && this.#pending.size > 0) {
      const batch = new Map<K, Waiter<V>[]>();
      for (const [key, waiters] of this.#pending) {
        if (batch.size === this.#maxKeys) break;
        batch.set(key, waiters);
      }
      for (const key of batch.keys()) this.#pending.delete(key);
      this.#inFlight += 1;
      this.#run(batch);
    }
  }

  #run(batch: Map<K, Waiter<V>[]>): void {
    let answer: Promise<ReadonlyMap<K, V>>;
    try {
      answer = this.#query([...batch.keys()]);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .then(
        (rows) => {
          for (const [key, waiters] of batch) {
            const row = rows.get(key);
            for (const waiter of waiters) waiter.resolve(row);
          }
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight -= 1;
        if (this.#pending.size > 0) this.#schedule();
      });
  }
}
