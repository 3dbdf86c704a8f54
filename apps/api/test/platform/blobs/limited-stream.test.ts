import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobTooLargeError } from '../../../src/platform/blobs/blob-errors.js';
import { checkDeclaredType } from '../../../src/platform/blobs/content-type.js';
import {
  LimitedStream,
  limitAndReadHead,
  readHead,
  SNIFF_BYTES,
} from '../../../src/platform/blobs/limited-stream.js';
import { createLocalBlobStore } from '../../../src/platform/blobs/local-blob.store.js';
import { bytes, chunked, failingAfter, readAll, sha256 } from './blob-test-helpers.js';

const oneByteChunks = (data: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i++) yield data.subarray(i, i + 1);
    })(),
    { objectMode: false },
  );

async function drain(stream: Readable): Promise<{ data: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { data: Buffer.concat(chunks) };
  } catch (error) {
    return { data: Buffer.concat(chunks), error };
  }
}

describe('LimitedStream', () => {
  it('passes exactly maxBytes through, counting them', async () => {
    const data = bytes(10_000);
    const limited = new LimitedStream({ maxBytes: 10_000 });
    const out = new PassThrough();
    const collected = readAll(out);
    await pipeline(chunked(data, 999), limited, out);
    expect(await collected).toEqual(data);
    expect(limited.bytes).toBe(10_000);
  });

  it('errors with payload_too_large at the first byte over, without passing that chunk on', async () => {
    const limited = new LimitedStream({ maxBytes: 100 });
    let passed = 0;
    limited.on('data', (chunk: Buffer) => {
      passed += chunk.length;
    });
    const failed = new Promise<unknown>((resolve) => limited.once('error', resolve));
    oneByteChunks(bytes(150)).pipe(limited);
    const error = await failed;
    expect(error).toBeInstanceOf(BlobTooLargeError);
    expect((error as BlobTooLargeError).message).toBe('the body is larger than 100 bytes');
    expect(passed).toBe(100);
    expect(limited.bytes).toBe(101);
  });

  it('refuses a limit that is not a non-negative integer', () => {
    expect(() => new LimitedStream({ maxBytes: -1 })).toThrow(RangeError);
    expect(() => new LimitedStream({ maxBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('readHead', () => {
  it.each([
    ['one-byte chunks', (d: Buffer) => oneByteChunks(d)],
    ['uneven chunks', (d: Buffer) => chunked(d, 3000)],
    ['one big chunk', (d: Buffer) => Readable.from([d], { objectMode: false })],
  ])('gives the first bytes and then the whole body, from %s', async (_case, source) => {
    const data = bytes(20_000);
    const { head, body } = await readHead(source(data), SNIFF_BYTES);
    expect(Buffer.from(head)).toEqual(data.subarray(0, SNIFF_BYTES));
    expect(await readAll(body)).toEqual(data);
  });

  it('gives all of a body shorter than the head, and of an empty one', async () => {
    const short = bytes(10);
    const a = await readHead(chunked(short, 3), SNIFF_BYTES);
    expect(Buffer.from(a.head)).toEqual(short);
    expect(await readAll(a.body)).toEqual(short);
    const b = await readHead(chunked(Buffer.alloc(0)), SNIFF_BYTES);
    expect(b.head).toHaveLength(0);
    expect(await readAll(b.body)).toHaveLength(0);
  });

  it('rejects with the source error before the head is complete, and passes a later one to body', async () => {
    const gone = new Error('gone');
    await expect(readHead(failingAfter(bytes(10), gone), SNIFF_BYTES)).rejects.toBe(gone);
    const { body } = await readHead(failingAfter(bytes(SNIFF_BYTES + 10), gone), SNIFF_BYTES);
    expect((await drain(body)).error).toBe(gone);
  });

  it('releases the source when the body is dropped unread', async () => {
    const source = new PassThrough();
    source.write(bytes(SNIFF_BYTES * 2));
    const { body } = await readHead(source, SNIFF_BYTES);
    body.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});

describe('limitAndReadHead: the upload route flow', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-upload-flow-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the head, checks the type, then streams the whole body to the store', async () => {
    const store = createLocalBlobStore({ dir: path.join(root, 'blobs') });
    const text = Buffer.from('a line of text\n'.repeat(2000));
    const { head, body } = await limitAndReadHead(chunked(text, 1000), { maxBytes: 100_000 });
    const type = await checkDeclaredType('text/plain', head);
    expect(type).toEqual({ ok: true, contentType: 'text/plain; charset=utf-8' });
    if (!type.ok) return;
    const stored = await store.put(body, { contentType: type.contentType, maxBytes: 100_000 });
    expect(stored.sha256).toBe(sha256(text));
    expect(await readAll((await store.get(stored.key)).body)).toEqual(text);
  });

  it('rejects over the limit while reading the head', async () => {
    await expect(limitAndReadHead(chunked(bytes(5000), 100), { maxBytes: 1000 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
  });

  it('fails the body over the limit after the head, leaving the source undestroyed for the reply', async () => {
    const source = chunked(bytes(50_000), 1000);
    const { head, body } = await limitAndReadHead(source, { maxBytes: 20_000 });
    expect(head).toHaveLength(SNIFF_BYTES);
    const { error } = await drain(body);
    expect(error).toBeInstanceOf(BlobTooLargeError);
    expect(source.destroyed).toBe(false);
  });
});
