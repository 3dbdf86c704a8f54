import { statSync } from 'node:fs';
import { KEY_RETENTION_MS, parseKeyringData, rotateKeyring } from '../tokens/keyring.js';
import { generateKeyringKey } from '../tokens/paserk.js';
import {
  type KeyringData,
  type KeyringSource,
  TOKEN_PURPOSES,
  type TokenPurpose,
} from '../tokens/token.types.js';
import { fileStamp, readSecretsFile, SecretsFileError, writeSecretsFile } from './secrets-file.js';

/**
 * Keyrings for laptops and single hosts, in `data/secrets.json` under `keyrings`:
 * `{ "keyrings": { "active_session": KeyringData, … }, …other entries… }`.
 * Generated on first use; `npm run keys:rotate` rotates it while the server runs, and the server
 * notices because every get() compares the file's inode/mtime/size with what it loaded.
 */

export interface LocalKeyringSourceOptions {
  file: string;
  now?: () => Date;
  /** Least time between two forced reloads, so random kids cannot make us re-read the file per request. */
  minRefreshGapMs?: number;
  /** Reload failures: the last good keyrings stay in use. Messages never contain key material. */
  onError?: (error: unknown) => void;
}

type Keyrings = Record<TokenPurpose, KeyringData>;

interface Loaded {
  keyrings: Keyrings;
  stamp: string;
  /** The whole file, for rewrites that must keep entries other than ours. */
  data: Record<string, unknown>;
}

function keyringsSection(data: Record<string, unknown>, file: string): Record<string, unknown> {
  const section = data.keyrings ?? {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new SecretsFileError(`${file}: "keyrings" must be an object`);
  }
  return section as Record<string, unknown>;
}

/**
 * Reads the file, creating it (or the keyrings missing from it) with a fresh key per purpose.
 * Other top-level entries and other keyrings' data are preserved on rewrite.
 */
async function loadOrCreate(file: string, now: () => Date): Promise<Loaded> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const content = await readSecretsFile(file);
    if (!content) {
      const keyrings = Object.fromEntries(
        TOKEN_PURPOSES.map((purpose) => [purpose, { keys: [generateKeyringKey(now())] }]),
      );
      // Exclusive: if another process created it first, the next pass reads theirs.
      await writeSecretsFile(file, { keyrings }, { exclusive: true });
      continue;
    }
    const section = keyringsSection(content.data, file);
    const missing = TOKEN_PURPOSES.filter((purpose) => section[purpose] === undefined);
    if (missing.length > 0) {
      const added = Object.fromEntries(
        missing.map((purpose) => [purpose, { keys: [generateKeyringKey(now())] }]),
      );
      await writeSecretsFile(file, { ...content.data, keyrings: { ...section, ...added } });
      continue;
    }
    const keyrings = Object.fromEntries(
      TOKEN_PURPOSES.map((purpose) => [
        purpose,
        parseKeyringData(section[purpose], `${file} keyrings.${purpose}`),
      ]),
    ) as Keyrings;
    return { keyrings, stamp: content.stamp, data: content.data };
  }
  throw new SecretsFileError(`${file} keeps changing while being read`);
}

export function createLocalKeyringSource(options: LocalKeyringSourceOptions): KeyringSource {
  const { file } = options;
  const now = options.now ?? (() => new Date());
  const minRefreshGapMs = options.minRefreshGapMs ?? 1000;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(String(error)));
  let current: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;

  /** One load at a time; concurrent callers share it. */
  function load(): Promise<Loaded> {
    loading ??= loadOrCreate(file, now)
      .then((loaded) => {
        current = loaded;
        return loaded;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  /**
   * The last good keyrings, reloading first if the file changed; a broken file keeps the last good.
   * Every authenticated request asks (a retired key must fail its next request), so the look is a
   * synchronous `stat` of a local file: a few µs, where the promise-based one cost ~25 µs of the
   * event loop per request (docs/performance.md).
   */
  async function fresh(): Promise<Loaded> {
    if (!current) return await load();
    let stamp: string | undefined;
    try {
      stamp = fileStamp(statSync(file));
    } catch {
      // Deleted or unreadable while running: keep serving what we have rather than minting new keys.
      return current;
    }
    if (stamp === current.stamp) return current;
    try {
      return await load();
    } catch (error) {
      onError(error);
      return current;
    }
  }

  return {
    async get(purpose) {
      return (await fresh()).keyrings[purpose];
    },

    async refresh(purpose) {
      const nowMs = Date.now();
      if (current && nowMs - lastRefreshAt < minRefreshGapMs) return (await fresh()).keyrings[purpose];
      lastRefreshAt = nowMs;
      if (!current) return (await load()).keyrings[purpose];
      try {
        return (await load()).keyrings[purpose];
      } catch (error) {
        onError(error);
        return current.keyrings[purpose];
      }
    },

    close() {
      // No timers: changes are noticed on access.
    },
  };
}

/**
 * Adds a fresh signing key to every local keyring and retires keys no unexpired token can use
 * (`npm run keys:rotate`). Other entries of the file are kept as they are.
 */
export async function rotateLocalKeyrings(file: string, now: Date = new Date()): Promise<void> {
  const { keyrings, data } = await loadOrCreate(file, () => now);
  const section = keyringsSection(data, file);
  const rotated = Object.fromEntries(
    TOKEN_PURPOSES.map((purpose) => [
      purpose,
      rotateKeyring(keyrings[purpose], now, { retainMs: KEY_RETENTION_MS }),
    ]),
  );
  await writeSecretsFile(file, { ...data, keyrings: { ...section, ...rotated } });
}
