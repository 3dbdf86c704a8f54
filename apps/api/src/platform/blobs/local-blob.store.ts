import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError } from './blob-errors.js';
import { isBlobKey, newBlobKey } from './blob-key.js';
import { meterBody } from './blob-meter.js';
import type { BlobStore, StoredBlob } from './blob-store.js';

/** What the sidecar `<key>.json` holds; its presence is what makes a blob exist. */
interface Sidecar {
  contentType: string;
  size: number;
  sha256: string;
}

function parseSidecar(text: string): Sidecar {
  const value = JSON.parse(text) as Partial<Sidecar>;
  if (
    typeof value.contentType !== 'string' ||
    typeof value.size !== 'number' ||
    typeof value.sha256 !== 'string'
  ) {
    throw new Error('blob sidecar is malformed');
  }
  return { contentType: value.contentType, size: value.size, sha256: value.sha256 };
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** fsync a folder so the renames into it survive a power cut; not every platform can, which is fine. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/**
 * The laptop default: blobs as files under `DATA_DIR/blobs/` (folders 0700, files 0600).
 *
 * Layout: `<dir>/<first two key chars>/<key>` holds the bytes and `<key>.json` the content type, size and
 * hash. A put writes both under `<dir>/tmp/`, flushes them, then renames the bytes and finally the
 * sidecar into place, so a blob is either whole or absent: get() finds nothing until the sidecar rename,
 * and a failed or oversized upload leaves no file behind. Keys are validated before any path is built,
 * so no key can name a file outside `<dir>`.
 */
export function createLocalBlobStore(options: { dir: string }): BlobStore {
  const dir = path.resolve(options.dir);
  const tmpDir = path.join(dir, 'tmp');
  let ready: Promise<unknown> | undefined;
  const ensureDirs = () => {
    ready ??= mkdir(tmpDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  const shardOf = (key: string) => path.join(dir, key.slice(0, 2));

  return {
    async put(body, { contentType, maxBytes }): Promise<StoredBlob> {
      await ensureDirs();
      const key = newBlobKey();
      const tmpName = path.join(tmpDir, `${key}.${randomBytes(6).toString('hex')}`);
      const tmpData = `${tmpName}.data`;
      const tmpMeta = `${tmpName}.json`;
      const shard = shardOf(key);
      const finalData = path.join(shard, key);
      let placedData = false;
      try {
        const meter = meterBody(body, maxBytes);
        await pipeline(meter, createWriteStream(tmpData, { flags: 'wx', mode: 0o600, flush: true }));
        const stored: StoredBlob = { key, size: meter.bytes, sha256: meter.sha256() };
        const sidecar: Sidecar = { contentType, size: stored.size, sha256: stored.sha256 };
        await writeFile(tmpMeta, JSON.stringify(sidecar), { flag: 'wx', mode: 0o600, flush: true });
        await mkdir(shard, { recursive: true, mode: 0o700 });
        await rename(tmpData, finalData);
        placedData = true;
        await rename(tmpMeta, `${finalData}.json`);
        await syncDir(shard);
        return stored;
      } catch (error) {
        await Promise.all([
          rm(tmpData, { force: true }),
          rm(tmpMeta, { force: true }),
          placedData ? rm(finalData, { force: true }) : undefined,
        ]);
        throw error;
      }
    },

    async get(key) {
      if (!isBlobKey(key)) throw new BlobNotFoundError();
      const file = path.join(shardOf(key), key);
      let sidecar: Sidecar;
      try {
        sidecar = parseSidecar(await readFile(`${file}.json`, 'utf8'));
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError();
        throw error;
      }
      // Open now, so a missing file is a not_found here rather than an error halfway through a response.
      const handle = await open(file, 'r').catch((error: unknown) => {
        throw isMissing(error) ? new BlobNotFoundError() : error;
      });
      return { body: handle.createReadStream(), size: sidecar.size, contentType: sidecar.contentType };
    },

    async delete(key) {
      if (!isBlobKey(key)) return;
      const file = path.join(shardOf(key), key);
      // The sidecar first: once it is gone the blob does not exist, even if removing the bytes fails.
      await rm(`${file}.json`, { force: true });
      await rm(file, { force: true });
      await syncDir(shardOf(key));
    },

    async close() {},
  };
}
