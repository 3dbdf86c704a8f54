import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import {
  type KeyringData,
  type KeyringSource,
  TOKEN_PURPOSES,
  type TokenPurpose,
} from '../../src/platform/tokens/token.types.js';

export interface MemoryKeyringSource extends KeyringSource {
  /** What get() returns; replace an entry to simulate a rotation the service has not loaded yet. */
  readonly keyrings: Record<TokenPurpose, KeyringData>;
  /** What refresh() will load next (defaults to `keyrings`). */
  readonly pending: Partial<Record<TokenPurpose, KeyringData>>;
  readonly refreshCalls: TokenPurpose[];
}

/** A keyring source held in memory, for token-service tests: one fresh key per purpose. */
export function createMemoryKeyringSource(now = new Date()): MemoryKeyringSource {
  const keyrings = Object.fromEntries(
    TOKEN_PURPOSES.map((purpose) => [purpose, { keys: [generateKeyringKey(now)] }]),
  ) as Record<TokenPurpose, KeyringData>;
  const pending: Partial<Record<TokenPurpose, KeyringData>> = {};
  const refreshCalls: TokenPurpose[] = [];
  return {
    keyrings,
    pending,
    refreshCalls,
    async get(purpose) {
      return keyrings[purpose];
    },
    async refresh(purpose) {
      refreshCalls.push(purpose);
      const next = pending[purpose];
      if (next) {
        keyrings[purpose] = next;
        delete pending[purpose];
      }
      return keyrings[purpose];
    },
    close() {},
  };
}
