import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3 } from '../../../../../scripts/services/s3.js';
import { BlobNotFoundError, BlobTooLargeError } from '../../../src/platform/blobs/blob-errors.js';
import { newBlobKey } from '../../../src/platform/blobs/blob-key.js';
import type { BlobStore } from '../../../src/platform/blobs/blob-store.js';
import { createLocalBlobStore } from '../../../src/platform/blobs/local-blob.store.js';
import { createS3BlobStore } from '../../../src/platform/blobs/s3-blob.store.js';
import { bytes, chunked, failingAfter, MiB, readAll, sha256 } from './blob-test-helpers.js';

/** One store under test, and a view of everything it left in its storage. */
interface Harness {
  store: BlobStore;
  /** Every file (local) or object and pending multipart upload (S3), as sorted names. */
  storage(): Promise<string[]>;
  stop(): Promise<void>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const factories: [string, () => Promise<Harness>][] = [
  [
    'local folder',
    async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'parley-blobs-'));
      const dir = path.join(root, 'blobs');
      return {
        store: createLocalBlobStore({ dir }),
        storage: async () => filesUnder(root),
        stop: async () => rmSync(root, { recursive: true, force: true }),
      };
    },
  ],
  [
    'S3 (s3rver)',
    async () => {
      const s3: S3Server = await startS3();
      const store = createS3BlobStore({ bucket: s3.bucket, prefix: 'attachments/', client: s3.client() });
      return {
        store,
        storage: async () => [
          ...(await s3.listObjectKeys()),
          ...(await s3.listPendingUploads()).map((u) => `pending upload of ${u.key}`),
        ],
        stop: () => s3.stop(),
      };
    },
  ],
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(factories)('BlobStore contract: %s', (_name, factory) => {
  let h: Harness;
  beforeAll(async () => {
    h = await factory();
  });
  afterAll(async () => {
    await h.store.close();
    await h.stop();
  });

  it('round-trips a small body with its content type, size and SHA-256', async () => {
    const data = Buffer.from('hello, Parley\n');
    const stored = await h.store.put(chunked(data, 3), {
      contentType: 'text/plain; charset=utf-8',
      maxBytes: 100,
    });
    expect(stored).toEqual({ key: expect.any(String), size: data.length, sha256: sha256(data) });
    const got = await h.store.get(stored.key);
    expect(got.size).toBe(data.length);
    expect(got.contentType).toBe('text/plain; charset=utf-8');
    expect(await readAll(got.body)).toEqual(data);
  });

  it('round-trips an empty body', async () => {
    const stored = await h.store.put(chunked(Buffer.alloc(0)), { contentType: 'text/plain', maxBytes: 10 });
    expect(stored.size).toBe(0);
    expect(stored.sha256).toBe(sha256(Buffer.alloc(0)));
    expect(await readAll((await h.store.get(stored.key)).body)).toHaveLength(0);
  });

  it('round-trips a multi-MB body streamed in uneven chunks (multipart on S3)', async () => {
    const data = bytes(12 * MiB + 12_345);
    const stored = await h.store.put(chunked(data), { contentType: 'application/pdf', maxBytes: 25 * MiB });
    expect(stored.size).toBe(data.length);
    expect(stored.sha256).toBe(sha256(data));
    const got = await h.store.get(stored.key);
    expect(got.size).toBe(data.length);
    expect(got.contentType).toBe('application/pdf');
    const back = await readAll(got.body);
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
  });

  it('accepts a body of exactly maxBytes', async () => {
    const data = bytes(1000);
    const stored = await h.store.put(chunked(data, 100), { contentType: 'image/png', maxBytes: 1000 });
    expect(stored.size).toBe(1000);
  });

  it.each([
    ['one byte over, in one part', 1000, 1001],
    ['over within the first part', 1 * MiB, 3 * MiB],
    ['over after multipart parts were uploaded', 11 * MiB, 13 * MiB],
  ])('rejects a body %s with payload_too_large and leaves nothing behind', async (_case, maxBytes, size) => {
    const before = await h.storage();
    const error = await rejection(
      h.store.put(chunked(bytes(size)), { contentType: 'application/zip', maxBytes }),
    );
    expect(error).toBeInstanceOf(BlobTooLargeError);
    expect((error as BlobTooLargeError).maxBytes).toBe(maxBytes);
    expect(await h.storage()).toEqual(before);
  });

  it('stores nothing when the body fails midway (client gone)', async () => {
    const before = await h.storage();
    const gone = new Error('client disconnected');
    const error = await rejection(
      h.store.put(failingAfter(bytes(6 * MiB), gone), { contentType: 'image/gif', maxBytes: 25 * MiB }),
    );
    expect(error).toBe(gone);
    expect(await h.storage()).toEqual(before);
  });

  it('does not consume or destroy the body past the limit, and survives its later error', async () => {
    const body = new PassThrough();
    body.write(bytes(2000));
    const error = await rejection(h.store.put(body, { contentType: 'image/png', maxBytes: 1000 }));
    expect(error).toBeInstanceOf(BlobTooLargeError);
    // An HTTP route still answers 413 on this connection; the client may hang up afterwards.
    expect(body.destroyed).toBe(false);
    body.destroy(new Error('client hung up after the 413'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it.each([
    ['a well-formed key that was never stored', newBlobKey()],
    ['a path', '../../etc/passwd'],
    ['an empty key', ''],
    ['a key with a slash', `${newBlobKey().slice(0, 20)}/${newBlobKey().slice(0, 22)}`],
  ])('answers not_found for %s', async (_case, key) => {
    const error = await rejection(h.store.get(key));
    expect(error).toBeInstanceOf(BlobNotFoundError);
  });

  it('deletes a blob and its bytes, leaves the others, and deletes again without error', async () => {
    const before = await h.storage();
    const keep = await h.store.put(chunked(Buffer.from('keep me')), {
      contentType: 'text/plain',
      maxBytes: 100,
    });
    const drop = await h.store.put(chunked(bytes(6 * MiB)), {
      contentType: 'application/zip',
      maxBytes: 8 * MiB,
    });
    const withBoth = await h.storage();
    await h.store.delete(drop.key);
    const error = await rejection(h.store.get(drop.key));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    // Nothing of the deleted blob is left in storage; the other blob is untouched.
    const after = await h.storage();
    expect(after.filter((name) => name.includes(drop.key))).toEqual([]);
    expect(after.length).toBeLessThan(withBoth.length);
    expect(after.filter((name) => !before.includes(name)).every((name) => name.includes(keep.key))).toBe(
      true,
    );
    expect(await readAll((await h.store.get(keep.key)).body)).toEqual(Buffer.from('keep me'));
    // Idempotent: a second delete, a never-stored key and a malformed one all succeed and change nothing.
    await h.store.delete(drop.key);
    await h.store.delete(newBlobKey());
    await h.store.delete('../../etc/passwd');
    expect(await h.storage()).toEqual(after);
  });

  it('gives random keys, unique even for identical bodies, not derived from the content', async () => {
    const data = Buffer.from('same bytes');
    const keys = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const stored = await h.store.put(chunked(data), { contentType: 'text/plain', maxBytes: 100 });
      expect(stored.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(stored.key, 'base64url')).toHaveLength(32);
      expect(stored.key).not.toContain(stored.sha256.slice(0, 8));
      expect(stored.key).not.toContain(Buffer.from(stored.sha256, 'hex').toString('base64url').slice(0, 8));
      keys.add(stored.key);
    }
    expect(keys.size).toBe(5);
  });

  it('handles concurrent puts, with one over the limit among them', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => bytes(256 * 1024 + i * 1000));
    const results = await Promise.allSettled([
      ...bodies.map((data) => h.store.put(chunked(data), { contentType: 'image/webp', maxBytes: MiB })),
      h.store.put(chunked(bytes(2 * MiB)), { contentType: 'image/webp', maxBytes: MiB }),
    ]);
    const over = results.pop();
    expect(over?.status).toBe('rejected');
    expect((over as PromiseRejectedResult).reason).toBeInstanceOf(BlobTooLargeError);
    const stored = results.map((r) => {
      if (r.status !== 'fulfilled') throw r.reason;
      return r.value;
    });
    expect(new Set(stored.map((s) => s.key)).size).toBe(bodies.length);
    const back = await Promise.all(stored.map(async (s) => readAll((await h.store.get(s.key)).body)));
    back.forEach((data, i) => {
      expect(sha256(data)).toBe(sha256(bodies[i] ?? Buffer.alloc(0)));
    });
  });
});
