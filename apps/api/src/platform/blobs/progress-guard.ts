import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { BlobTooSlowError } from './blob-errors.js';

/** How fast a body must arrive: in every window of `windowMs`, at least `minBytesPerSecond` on average. */
export interface ProgressRule {
  readonly windowMs: number;
  /** 0 still asks for one byte per window: a body that stops completely is always cut off. */
  readonly minBytesPerSecond: number;
}

/** Bytes a window must bring under `rule`. */
export function minBytesPerWindow(rule: ProgressRule): number {
  return Math.max(1, Math.ceil((rule.minBytesPerSecond * rule.windowMs) / 1000));
}

/**
 * The error of a body that was too slow; the error plugin answers it with `Connection: close`, so the
 * server drops the connection once the answer is sent and the client cannot go on trickling into it.
 */
const tooSlow = (rule: ProgressRule) => new BlobTooSlowError(rule.windowMs, minBytesPerWindow(rule));

/**
 * Passes a body through and cuts off one that makes too little progress (slowloris on uploads): at the
 * end of each window, fewer bytes than `minBytesPerWindow(rule)` since the previous check destroy the
 * stream with BlobTooSlowError. Socket timeouts cannot catch this: one byte every few
 * seconds keeps a socket active for ever.
 *
 * A window in which this stream still held bytes the consumer had not taken (the blob store was the
 * slow one, or nobody was reading yet) is not held against the client.
 */
export class ProgressGuard extends Transform {
  readonly #minBytes: number;
  readonly #timer: NodeJS.Timeout;
  #windowBytes = 0;

  constructor(readonly rule: ProgressRule) {
    super();
    this.#minBytes = minBytesPerWindow(rule);
    this.#timer = setInterval(() => this.#check(), rule.windowMs);
    this.#timer.unref();
    this.once('close', () => clearInterval(this.#timer));
  }

  #check(): void {
    const received = this.#windowBytes;
    this.#windowBytes = 0;
    if (this.readableLength > 0 || this.writableLength > 0) return;
    if (received < this.#minBytes) this.destroy(tooSlow(this.rule));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#windowBytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // The whole body is in: nothing left to wait for.
    clearInterval(this.#timer);
    callback();
  }
}

/**
 * Pipes `source` (an HTTP request body) through a new guard. The source's errors come out of the guard;
 * when the guard stops (too slow, or destroyed by its consumer) the source is unpiped but not destroyed,
 * so the route can still answer on the connection.
 */
export function guardProgress(source: Readable, rule: ProgressRule): ProgressGuard {
  const guard = new ProgressGuard(rule);
  source.on('error', (error) => guard.destroy(error));
  guard.once('close', () => source.unpipe(guard));
  source.pipe(guard);
  return guard;
}
