import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError } from './blob-errors.js';

/** Bytes `file-type` reads at most to recognise a format: enough head for every sniff. */
export const SNIFF_BYTES = 4100;

/**
 * Passes bytes through and counts them; errors with BlobTooLargeError as soon as more than
 * `maxBytes` have arrived, before passing on the chunk that crossed the limit.
 */
export class LimitedStream extends Transform {
  #bytes = 0;
  readonly maxBytes: number;

  constructor(options: { maxBytes: number }) {
    super();
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) {
      throw new RangeError('maxBytes must be a non-negative integer');
    }
    this.maxBytes = options.maxBytes;
  }

  /** Bytes passed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) {
      callback(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.onBytes(chunk);
    callback(null, chunk);
  }

  /** Each chunk within the limit, before it is passed on (for subclasses that hash). */
  protected onBytes(_chunk: Buffer): void {}
}

/**
 * Reads the first `size` bytes of `source` (fewer if it ends sooner) and gives them back together with a
 * stream of the *whole* body, head included, that carries on from where the source is: read head, check
 * it, then hand `body` on. Only the head (and at most one chunk beyond it) is held in memory; errors of
 * the source come out of `body`, and destroying `body` destroys the source.
 */
export async function readHead(
  source: Readable,
  size: number,
): Promise<{ head: Uint8Array; body: Readable }> {
  const iterator: AsyncIterator<Buffer> = source[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    taken.push(chunk);
    length += chunk.length;
  }
  const taken1 = Buffer.concat(taken);
  async function* whole(): AsyncGenerator<Buffer> {
    if (taken1.length > 0) yield taken1;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const body = Readable.from(whole(), { objectMode: false });
  // Destroying `body` early must release the source too (the generator's finally does not run before it starts).
  body.once('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  return { head: taken1.subarray(0, size), body };
}

/**
 * What an upload route needs: the body limited to `maxBytes` (counted while streaming) and its first
 * SNIFF_BYTES for a content-type check, with nothing else buffered. Rejects (or `body` errors) with
 * BlobTooLargeError past the limit, and with the source's error if it fails.
 *
 * ```ts
 * const { head, body } = await limitAndReadHead(request.raw, { maxBytes });
 * const type = await checkDeclaredType(declared, head);
 * if (!type.ok) { body.destroy(); throw new AppError('unsupported_media_type', type.reason); }
 * const stored = await blobs.put(body, { contentType: type.contentType, maxBytes });
 * ```
 */
export function limitAndReadHead(
  source: Readable,
  options: { maxBytes: number; headBytes?: number },
): Promise<{ head: Uint8Array; body: Readable }> {
  const limited = new LimitedStream({ maxBytes: options.maxBytes });
  source.on('error', (error) => limited.destroy(error));
  // The source is left alone when the limit trips: an HTTP route still has to answer 413 on that
  // connection (and let the server close it), which destroying the request would prevent.
  limited.on('close', () => source.unpipe(limited));
  source.pipe(limited);
  return readHead(limited, options.headBytes ?? SNIFF_BYTES);
}
