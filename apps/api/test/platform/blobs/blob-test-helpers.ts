import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

/** `size` random bytes. */
export const bytes = (size: number): Buffer => randomBytes(size);

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A byte stream of `data` in uneven chunks (1 byte up to `maxChunk`), as a network would deliver it. */
export function chunked(data: Buffer, maxChunk = 64 * 1024): Readable {
  const sizes = [1, 7, 4096, maxChunk, 13, maxChunk - 1, 65_537];
  return Readable.from(
    (function* () {
      let offset = 0;
      let i = 0;
      while (offset < data.length) {
        const size = Math.min(sizes[i++ % sizes.length] ?? maxChunk, maxChunk);
        yield data.subarray(offset, offset + size);
        offset += size;
      }
    })(),
    { objectMode: false },
  );
}

/** A stream that sends `before` then fails, like a client that disconnects mid-upload. */
export function failingAfter(before: Buffer, error: Error): Readable {
  return Readable.from(
    (async function* () {
      yield before;
      await new Promise((resolve) => setImmediate(resolve));
      throw error;
    })(),
    { objectMode: false },
  );
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
