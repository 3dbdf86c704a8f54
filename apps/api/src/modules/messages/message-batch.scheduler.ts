import { AppError } from '../../errors.js';
import { secondsSince, type WriterMetrics } from '../../platform/metrics/metrics.js';
import type { SendRequest, SendResult } from './write-message-batch.command.js';

/**
 * Writes one batch (in one transaction): a result or an error per request, in order. Throws when the
 * batch as a whole failed (its transaction did not commit).
 */
export type WriteBatch = (requests: readonly SendRequest[]) => Promise<(SendResult | Error)[]>;

export interface SchedulerOptions {
  /** Batches in flight at once; more lets MySQL group-commit several. */
  readonly concurrency: number;
  /** Requests per batch at most. */
  readonly maxBatch: number;
  /** Whether a batch that threw may be written again: each request alone, and a lone request once more. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Records each batch's size as it starts and each send's time until its durable ack. */
  readonly metrics?: WriterMetrics;
}

interface Pending {
  request: SendRequest;
  resolve: (result: SendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups concurrent sends into batches and runs up to `concurrency` of them at once. A promise settles
 * only after its batch was written (committed): an acknowledged message is durable. A send to a
 * conversation that a running batch is writing waits for the next batch, so each conversation's sends
 * are written in arrival order. Knows nothing of SQL: `write` does the work.
 */
export class MessageBatchScheduler {
  #queue: Pending[] = [];
  #running = 0;
  /** Conversations whose counter row a batch of ours is writing (and holds locked until it commits). */
  readonly #busy = new Set<string>();
  #closed = false;
  readonly #idle: (() => void)[] = [];

  constructor(
    private readonly write: WriteBatch,
    private readonly options: SchedulerOptions,
  ) {}

  send(request: SendRequest): Promise<SendResult> {
    if (this.#closed) return Promise.reject(new AppError('service_unavailable', 'Server is shutting down'));
    const { metrics } = this.options;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const acked = metrics
        ? (result: SendResult) => {
            metrics.messageAcked(secondsSince(started));
            resolve(result);
          }
        : resolve;
      this.#queue.push({ request, resolve: acked, reject });
      this.#pump();
    });
  }

  /** Waits for every queued send to finish; new sends are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleNow()) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /**
   * Starts batches while fewer than `concurrency` run. A batch takes only sends to conversations no other
   * batch of ours is writing: those would wait for that batch's counter-row lock (until its commit) and
   * hold every other send of their batch behind it, so batches would commit one after the other instead
   * of together. Such sends stay queued, in order, for the next batch, so a conversation's sends still get
   * their seq in arrival order.
   */
  #pump(): void {
    while (this.#running < this.options.concurrency && this.#queue.length > 0) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const conversations = new Set<string>();
      for (const pending of this.#queue) {
        const conversationId = pending.request.conversationId;
        if (batch.length < this.options.maxBatch && !this.#busy.has(conversationId)) {
          batch.push(pending);
          conversations.add(conversationId);
        } else {
          rest.push(pending);
        }
      }
      if (batch.length === 0) return;
      this.#queue = rest;
      for (const conversationId of conversations) this.#busy.add(conversationId);
      this.#running += 1;
      this.options.metrics?.messageBatch(batch.length);
      void this.#run(batch).finally(() => {
        for (const conversationId of conversations) this.#busy.delete(conversationId);
        this.#running -= 1;
        this.#pump();
        if (this.#idleNow()) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  #idleNow(): boolean {
    return this.#queue.length === 0 && this.#running === 0;
  }

  async #run(batch: Pending[]): Promise<void> {
    try {
      settle(batch, await this.write(batch.map((p) => p.request)));
    } catch (error) {
      if (batch.length > 1 && this.options.isRetryable(error)) {
        // A conflict with another instance's batch: redo each send alone so one cannot fail the rest.
        await Promise.all(batch.map((pending) => this.#run([pending])));
        return;
      }
      if (batch.length === 1 && this.options.isRetryable(error)) {
        try {
          settle(batch, await this.write(batch.map((p) => p.request)));
        } catch (retryError) {
          for (const pending of batch) pending.reject(retryError);
        }
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}

function settle(batch: readonly Pending[], results: readonly (SendResult | Error)[]): void {
  batch.forEach((pending, index) => {
    const result = results[index];
    if (result instanceof Error) pending.reject(result);
    else if (result) pending.resolve(result);
  });
}
