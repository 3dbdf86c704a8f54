import { createHash } from 'node:crypto';

/** What the breach corpus says about a password. */
export type BreachVerdict =
  /** Seen `count` times in breaches. */
  | { readonly kind: 'breached'; readonly count: number }
  /** Not in the corpus. */
  | { readonly kind: 'not_found' }
  /** The service did not answer usefully (timeout, network, 5xx, garbage): the caller fails open. */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** No service configured (PWNED_PASSWORDS_URL empty). */
  | { readonly kind: 'off' };

/** Checks new passwords against a corpus of breached passwords. */
export interface BreachedPasswords {
  check(password: string): Promise<BreachVerdict>;
}

export interface PwnedPasswordsOptions {
  /** Base URL of a Pwned Passwords range API (`<base>/range/<5 hex>`); undefined: off. */
  readonly baseUrl: string | undefined;
  /** Whole request, headers and body: past it the check is `unavailable`. */
  readonly timeoutMs: number;
  readonly log: { warn(obj: object, msg: string): void };
  /** Tests count requests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** A range answer is at most ~1,000 real and ~1,000 padding lines of 35 hex + count: far below this. */
const MAX_BODY_BYTES = 512 * 1024;
const LINE = /^([0-9A-F]{35}):(\d{1,12})$/;

/**
 * The Have I Been Pwned "Pwned Passwords" range API, by k-anonymity: only the first 5 hex characters of
 * the password's SHA-1 leave the server; the answer lists every suffix with that prefix and how often it
 * was seen, and the match happens here. `Add-Padding: true` makes every answer 800–1,000 lines long, so
 * its size says nothing about the prefix; padding lines carry a count of 0 and are ignored. Any failure
 * (timeout, network, non-200, a body that is not the range format) is `unavailable`, logged, and the
 * caller falls back to the local list (fail-open): an outage must not stop sign-ups or resets.
 */
export function createPwnedPasswords(options: PwnedPasswordsOptions): BreachedPasswords {
  const base = options.baseUrl?.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  if (!base) return { check: async () => ({ kind: 'off' }) };

  return {
    async check(password) {
      const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      const prefix = sha1.slice(0, 5);
      const suffix = sha1.slice(5);
      const unavailable = (reason: string): BreachVerdict => {
        options.log.warn(
          { reason, timeoutMs: options.timeoutMs },
          'breached-password check unavailable; using the local password list only',
        );
        return { kind: 'unavailable', reason };
      };
      let text: string;
      try {
        const response = await doFetch(`${base}/range/${prefix}`, {
          headers: { 'Add-Padding': 'true', Accept: 'text/plain', 'User-Agent': 'Parley' },
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'error',
        });
        if (response.status !== 200) {
          await response.body?.cancel().catch(() => undefined);
          return unavailable(`HTTP ${response.status}`);
        }
        const length = Number(response.headers.get('content-length') ?? 0);
        if (length > MAX_BODY_BYTES) {
          await response.body?.cancel().catch(() => undefined);
          return unavailable('answer too large');
        }
        text = await response.text();
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        return unavailable(name === 'TimeoutError' ? 'timed out' : 'request failed');
      }
      if (text.length > MAX_BODY_BYTES) return unavailable('answer too large');
      let count = 0;
      let lines = 0;
      for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (line === '') continue;
        const match = LINE.exec(line.toUpperCase());
        if (!match) return unavailable('answer is not in the range format');
        lines += 1;
        if (match[1] === suffix) count = Number(match[2]);
      }
      if (lines === 0) return unavailable('empty answer');
      // A padding line for our own suffix says 0: not breached.
      return count > 0 ? { kind: 'breached', count } : { kind: 'not_found' };
    },
  };
}
