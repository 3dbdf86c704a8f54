import { mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError } from '../../../src/platform/blobs/blob-errors.js';
import { createLocalBlobStore } from '../../../src/platform/blobs/local-blob.store.js';
import { bytes, chunked, readAll } from './blob-test-helpers.js';

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-local-blobs-'));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;

describe('local blob store specifics', () => {
  it('creates its folders 0700 and files 0600, with nothing left in tmp', async () => {
    const dir = path.join(tempRoot(), 'blobs');
    const store = createLocalBlobStore({ dir });
    const stored = await store.put(chunked(bytes(5000)), { contentType: 'image/jpeg', maxBytes: 5000 });
    const shard = path.join(dir, stored.key.slice(0, 2));
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'tmp'))).toBe(0o700);
    expect(mode(shard)).toBe(0o700);
    expect(mode(path.join(shard, stored.key))).toBe(0o600);
    expect(mode(path.join(shard, `${stored.key}.json`))).toBe(0o600);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('treats a blob whose sidecar never landed (crash between renames) as absent', async () => {
    const dir = path.join(tempRoot(), 'blobs');
    const store = createLocalBlobStore({ dir });
    const stored = await store.put(chunked(bytes(10)), { contentType: 'image/gif', maxBytes: 10 });
    unlinkSync(path.join(dir, stored.key.slice(0, 2), `${stored.key}.json`));
    await expect(store.get(stored.key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('answers not_found before its folder exists, and for names that exist outside it', async () => {
    const root = tempRoot();
    const store = createLocalBlobStore({ dir: path.join(root, 'blobs') });
    await expect(store.get('A'.repeat(43))).rejects.toBeInstanceOf(BlobNotFoundError);
    // A file right next to the folder, reachable only by a traversing key.
    const outside = await createLocalBlobStore({ dir: path.join(root, 'other') }).put(chunked(bytes(3)), {
      contentType: 'text/plain',
      maxBytes: 3,
    });
    const traversal = `../other/${outside.key.slice(0, 2)}/${outside.key}`;
    await expect(store.get(traversal)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('reads what another instance on the same folder wrote', async () => {
    const dir = path.join(tempRoot(), 'blobs');
    const data = bytes(70_000);
    const stored = await createLocalBlobStore({ dir }).put(chunked(data), {
      contentType: 'application/pdf',
      maxBytes: 100_000,
    });
    const got = await createLocalBlobStore({ dir }).get(stored.key);
    expect(got.contentType).toBe('application/pdf');
    expect(await readAll(got.body)).toEqual(data);
  });
});
