import { createHash } from 'node:crypto';
import { CLOCK_TOLERANCE_SECONDS } from './keyring.js';
import { MAX_TOKEN_LENGTH } from './token.service.js';
import type { TokenPurpose, TokenService, VerifiedToken } from './token.types.js';

export interface VerifiedTokenCacheOptions {
  readonly tokens: TokenService;
  readonly purpose: TokenPurpose;
  /** Most tokens remembered; the least recently used goes first. 0 turns the cache off. */
  readonly maxEntries: number;
  /** The token service's clock. */
  readonly now: () => Date;
}

/**
 * Remembers tokens that verified, by the SHA-256 of the token, until their `exp`: a token presented
 * again costs a hash and a map lookup instead of an Ed25519 verification (the largest single cost of an
 * authenticated request, docs/performance.md). It answers exactly what `tokens.verify` would:
 *
 * - what a signature check decides cannot change while the token lives, except through its signing key:
 *   every hit asks the keyring, as `verify` does, whether the key is still there, so a retired or
 *   removed key refuses its tokens at the same moment with or without the cache;
 * - a hit is served only between `iat` (less the clock tolerance) and `exp`; anything else, and every
 *   miss, goes to `tokens.verify`, whose answer (and error) is returned unchanged;
 * - only successes are remembered, so presenting garbage never fills the cache, and concurrent first
 *   uses of one token share one verification.
 *
 * Whether the token's session is still live is not a token question: callers check that every time
 * (ADR 0014).
 */
export class VerifiedTokenCache {
  readonly #options: VerifiedTokenCacheOptions;
  /** Map order is use order: the first entry is the least recently used. */
  readonly #entries = new Map<string, VerifiedToken>();
  readonly #verifying = new Map<string, Promise<VerifiedToken>>();

  constructor(options: VerifiedTokenCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError('maxEntries must be a non-negative integer');
    }
    this.#options = options;
  }

  /** Tokens remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The same answer as `tokens.verify(purpose, token)`, from memory when it can be. */
  async verify(token: string): Promise<VerifiedToken> {
    const { tokens, purpose, maxEntries } = this.#options;
    if (maxEntries === 0 || typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
      return tokens.verify(purpose, token);
    }
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.#entries.get(key);
    if (hit) {
      if (this.#inLifetime(hit) && (await tokens.hasKey(purpose, hit.kid))) {
        // Most recently used last; a concurrent eviction or retirement may have removed it meanwhile.
        if (this.#entries.delete(key)) this.#entries.set(key, hit);
        return hit;
      }
      this.#entries.delete(key);
    }
    const pending = this.#verifying.get(key);
    if (pending) return pending;
    const verification = tokens.verify(purpose, token);
    this.#verifying.set(key, verification);
    try {
      const verified = await verification;
      this.#remember(key, verified);
      return verified;
    } finally {
      this.#verifying.delete(key);
    }
  }

  #inLifetime(entry: VerifiedToken): boolean {
    const now = this.#options.now().getTime();
    return now < entry.exp.getTime() && now >= entry.iat.getTime() - CLOCK_TOLERANCE_SECONDS * 1000;
  }

  #remember(key: string, verified: VerifiedToken): void {
    // Accepted within the clock tolerance after its exp: verified again next time, not remembered.
    if (!this.#inLifetime(verified)) return;
    this.#entries.delete(key);
    this.#entries.set(key, verified);
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
