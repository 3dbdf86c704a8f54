import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseKeyringData } from '../tokens/keyring.js';
import {
  type KeyringData,
  type KeyringSource,
  TOKEN_PURPOSES,
  type TokenPurpose,
} from '../tokens/token.types.js';
import { getSecretJson, isSecretNotFound } from './aws-secret-json.js';

/**
 * Keyrings from AWS Secrets Manager, one secret per purpose, each secret string a KeyringData JSON.
 *
 * The rotation Lambda writes a new version (AWSPENDING → AWSCURRENT) and Secrets Manager moves the
 * old one to AWSPREVIOUS. Instances reload on a timer, so for a while some sign with the new key while
 * others have not loaded it yet, and a cached old AWSCURRENT may be all another instance knows. So we
 * load both stages and merge by kid: every key of either version verifies; signing uses the newest
 * key of AWSCURRENT, which stays last in the merged list.
 */

export interface AwsKeyringSourceOptions {
  client: SecretsManagerClient;
  secretIds: Record<TokenPurpose, string>;
  /** @default 5 minutes */
  refreshIntervalMs?: number;
  /** Least time between reloads forced by refresh() (unknown kids); throttles kid-spraying. @default 30 s */
  minRefreshGapMs?: number;
  /** Failed reloads; the last good keyring stays in use. Errors carry no secret values. */
  onError?: (error: unknown) => void;
}

const DEFAULT_REFRESH_INTERVAL_MS = 5 * 60 * 1000;
const DEFAULT_MIN_REFRESH_GAP_MS = 30 * 1000;
/** Without a keyring every token request would otherwise become a Secrets Manager call. */
const FAILED_FIRST_LOAD_BACKOFF_MS = 1000;

/** AWSPREVIOUS-only keys first, then AWSCURRENT's in order, so the signer stays last. */
export function mergeKeyrings(current: KeyringData, previous: KeyringData | undefined): KeyringData {
  if (!previous) return current;
  const currentKids = new Set(current.keys.map((key) => key.kid));
  return { keys: [...previous.keys.filter((key) => !currentKids.has(key.kid)), ...current.keys] };
}

interface Entry {
  data: KeyringData | undefined;
  loading: Promise<KeyringData> | undefined;
  /** Last reload forced by refresh(); timer and first loads do not count, so they never delay one. */
  lastRefreshAt: number;
  /** While no keyring has loaded yet: the last failure, replayed briefly instead of calling AWS per request. */
  failure: { error: unknown; at: number } | undefined;
}

export function createAwsKeyringSource(options: AwsKeyringSourceOptions): KeyringSource {
  const { client, secretIds } = options;
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  const minRefreshGapMs = options.minRefreshGapMs ?? DEFAULT_MIN_REFRESH_GAP_MS;
  const onError =
    options.onError ?? ((error: unknown) => process.emitWarning(`keyring reload failed: ${String(error)}`));
  const entries = Object.fromEntries(
    TOKEN_PURPOSES.map((purpose) => [
      purpose,
      { data: undefined, loading: undefined, lastRefreshAt: Number.NEGATIVE_INFINITY, failure: undefined },
    ]),
  ) as Record<TokenPurpose, Entry>;

  async function fetchKeyring(purpose: TokenPurpose): Promise<KeyringData> {
    const secretId = secretIds[purpose];
    const [current, previous] = await Promise.all([
      getSecretJson(client, secretId, 'AWSCURRENT'),
      // A secret that was never rotated has no AWSPREVIOUS; any other failure fails the reload, since
      // dropping previous keys would log out everyone holding a token they signed.
      getSecretJson(client, secretId, 'AWSPREVIOUS').catch((error: unknown) => {
        if (isSecretNotFound(error)) return undefined;
        throw error;
      }),
    ]);
    return mergeKeyrings(
      parseKeyringData(current, `${secretId} (AWSCURRENT)`),
      previous === undefined ? undefined : parseKeyringData(previous, `${secretId} (AWSPREVIOUS)`),
    );
  }

  /** One fetch per purpose at a time; concurrent callers share it. Only success replaces the cache. */
  function load(purpose: TokenPurpose): Promise<KeyringData> {
    const entry = entries[purpose];
    if (entry.loading) return entry.loading;
    entry.loading = fetchKeyring(purpose)
      .then(
        (data) => {
          entry.data = data;
          entry.failure = undefined;
          return data;
        },
        (error: unknown) => {
          entry.failure = { error, at: Date.now() };
          throw error;
        },
      )
      .finally(() => {
        entry.loading = undefined;
      });
    return entry.loading;
  }

  async function reloadKeepingLastGood(purpose: TokenPurpose): Promise<KeyringData> {
    const entry = entries[purpose];
    try {
      return await load(purpose);
    } catch (error) {
      if (!entry.data) throw error;
      onError(error);
      return entry.data;
    }
  }

  const timer = setInterval(() => {
    for (const purpose of TOKEN_PURPOSES) void reloadKeepingLastGood(purpose).catch(onError);
  }, refreshIntervalMs);
  // The reload timer must never keep the process alive on shutdown.
  timer.unref();

  return {
    async get(purpose) {
      const entry = entries[purpose];
      if (entry.data) return entry.data;
      if (entry.failure && Date.now() - entry.failure.at < FAILED_FIRST_LOAD_BACKOFF_MS)
        throw entry.failure.error;
      return await load(purpose);
    },

    async refresh(purpose) {
      const entry = entries[purpose];
      if (entry.loading) return await reloadKeepingLastGood(purpose);
      if (entry.data && Date.now() - entry.lastRefreshAt < minRefreshGapMs) return entry.data;
      entry.lastRefreshAt = Date.now();
      return await reloadKeepingLastGood(purpose);
    },

    close() {
      clearInterval(timer);
    },
  };
}
