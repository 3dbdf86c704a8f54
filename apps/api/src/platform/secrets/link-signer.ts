import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MfaKeySource } from './mfa-keys.js';

/**
 * Signed links that must work for weeks, longer than any PASETO token may live (24 h, the key-rotation
 * bound of platform/tokens): today the one-click unsubscribe link of notification emails.
 *
 * A link token is `l1.<purpose>.<kid>.<payload>.<mac>` (payload and mac base64url): the payload is
 * `{ sub, exp }` (exp in Unix seconds), the MAC is HMAC-SHA-256 over everything before it, under the
 * `linkKey` that HKDF derives from the `mfa_encryption` material with a label of its own (mfa-keys.ts),
 * so it shares no key with sealing or recovery codes. The purpose is inside the MAC: a token made for
 * one purpose never verifies as another, and nothing else Parley issues (PASETO session or email-link
 * tokens) has this shape. After a rotation of that secret, links signed with the previous key keep
 * working while the previous material is known (AWSPREVIOUS).
 */

const VERSION = 'l1';

export type LinkPurpose = 'notify_unsubscribe';

export class InvalidLinkError extends Error {
  constructor(readonly reason: 'malformed' | 'wrong_purpose' | 'unknown_key' | 'bad_signature' | 'expired') {
    super(`link token refused: ${reason}`);
    this.name = 'InvalidLinkError';
  }
}

export interface LinkClaims {
  readonly sub: string;
  readonly exp: Date;
}

export class LinkSigner {
  constructor(
    private readonly keys: MfaKeySource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async sign(purpose: LinkPurpose, subject: string, ttlMs: number): Promise<string> {
    const key = (await this.keys.get()).current;
    const exp = Math.floor((this.now().getTime() + ttlMs) / 1000);
    const payload = Buffer.from(JSON.stringify({ sub: subject, exp }), 'utf8').toString('base64url');
    const signed = [VERSION, purpose, key.kid, payload].join('.');
    return `${signed}.${mac(key.linkKey, signed)}`;
  }

  /** The claims of a valid, unexpired token of exactly this purpose; InvalidLinkError otherwise. */
  async verify(purpose: LinkPurpose, token: string): Promise<LinkClaims> {
    const parts = token.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new InvalidLinkError('malformed');
    const [, tokenPurpose, kid, payload, signature] = parts as [string, string, string, string, string];
    if (tokenPurpose !== purpose) throw new InvalidLinkError('wrong_purpose');
    let keyring = await this.keys.get();
    let key = keyring.byKid.get(kid);
    if (!key) {
      keyring = await this.keys.refresh();
      key = keyring.byKid.get(kid);
    }
    if (!key) throw new InvalidLinkError('unknown_key');
    const expected = Buffer.from(mac(key.linkKey, parts.slice(0, 4).join('.')), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidLinkError('bad_signature');
    }
    const claims = parseClaims(payload);
    if (claims.exp.getTime() <= this.now().getTime()) throw new InvalidLinkError('expired');
    return claims;
  }
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
}

function parseClaims(payload: string): LinkClaims {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidLinkError('malformed');
  }
  const { sub, exp } = (json ?? {}) as { sub?: unknown; exp?: unknown };
  if (typeof sub !== 'string' || sub.length === 0 || typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    throw new InvalidLinkError('malformed');
  }
  return { sub, exp: new Date(exp * 1000) };
}
