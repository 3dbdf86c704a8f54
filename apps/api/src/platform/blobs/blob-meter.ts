import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LimitedStream } from './limited-stream.js';

/** The stores' view of a body on its way in: limited to maxBytes, counted and hashed (SHA-256). */
export class BlobMeter extends LimitedStream {
  readonly #hash: Hash = createHash('sha256');

  protected override onBytes(chunk: Buffer): void {
    this.#hash.update(chunk);
  }

  /** Hex SHA-256 of everything passed; call once, after the body ended. */
  sha256(): string {
    return this.#hash.digest('hex');
  }
}

/**
 * Pipes `body` into a new meter. The body's errors come out of the meter; when the meter stops early (over
 * the limit, or the store failed) the body is unpiped but not destroyed, so an HTTP caller can still
 * answer on that connection.
 */
export function meterBody(body: Readable, maxBytes: number): BlobMeter {
  const meter = new BlobMeter({ maxBytes });
  // Stays attached: a body that fails after the meter stopped (the client hangs up after a 413) must
  // not become an unhandled 'error' event; destroying a closed meter again does nothing.
  body.on('error', (error) => meter.destroy(error));
  meter.once('close', () => body.unpipe(meter));
  body.pipe(meter);
  return meter;
}
