import { z } from 'zod';
import { InvalidTokenError, reasonFor } from './invalid-token.error.js';
import { CLOCK_TOLERANCE_SECONDS, KeyringError, MAX_TOKEN_TTL_SECONDS, signingKey } from './keyring.js';
import { isPublicKeyId, publicKeyId, publicPaserkFromSecret } from './paserk.js';
import {
  type Claims,
  importSigningKey,
  importVerifyingKey,
  readV4PublicFooter,
  type SigningKey,
  signV4Public,
  type VerifyingKey,
  verifyV4Public,
} from './paseto-v4.js';
import {
  type IssuedToken,
  type IssueOptions,
  type KeyringData,
  type KeyringKey,
  type KeyringSource,
  TOKEN_PURPOSES,
  type TokenPurpose,
  type TokenService,
  type VerifiedToken,
} from './token.types.js';

/** Our tokens are ~400 bytes; anything near this bound is an attack on the parser, not a token. */
export const MAX_TOKEN_LENGTH = 8 * 1024;
/** `{"kid":"k4.pid.<44 chars>"}` is 59 bytes. */
const MAX_FOOTER_LENGTH = 128;
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'sub', 'jti', 'iat', 'exp', 'nbf']);
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'jti', 'iat', 'exp'] as const;

export { InvalidTokenError, type InvalidTokenReason } from './invalid-token.error.js';

/**
 * Authenticated but not stored in the token: a signature made for one purpose cannot verify as
 * another, even if the same key material ended up in two keyrings.
 */
function implicitAssertion(purpose: TokenPurpose): string {
  return `parley:${purpose}`;
}

const FooterSchema = z.strictObject({ kid: z.string().refine(isPublicKeyId) });

const VerifiedClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.string(),
  exp: z.string(),
});

function footerKid(token: string): { footer: string; kid: string } {
  let footer: string;
  try {
    footer = readV4PublicFooter(token);
  } catch (error) {
    throw new InvalidTokenError('malformed', { cause: error });
  }
  if (footer.length === 0 || footer.length > MAX_FOOTER_LENGTH) throw new InvalidTokenError('malformed');
  let json: unknown;
  try {
    json = JSON.parse(footer);
  } catch {
    throw new InvalidTokenError('malformed');
  }
  const parsed = FooterSchema.safeParse(json);
  if (!parsed.success) throw new InvalidTokenError('malformed');
  return { footer, kid: parsed.data.kid };
}

function assertPurpose(purpose: TokenPurpose): void {
  if (!TOKEN_PURPOSES.includes(purpose)) throw new TypeError(`unknown token purpose "${String(purpose)}"`);
}

function assertIssueOptions(options: IssueOptions): void {
  if (typeof options.subject !== 'string' || options.subject.length === 0) {
    throw new TypeError('subject must be a non-empty string');
  }
  if (typeof options.jti !== 'string' || options.jti.length === 0) {
    throw new TypeError('jti must be a non-empty string');
  }
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1) {
    throw new TypeError('ttlSeconds must be a positive integer');
  }
  // Key retention assumes no token outlives MAX_TOKEN_TTL_SECONDS; a longer one would die at rotation.
  if (options.ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new TypeError(`ttlSeconds must be at most ${MAX_TOKEN_TTL_SECONDS}`);
  }
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (RESERVED_CLAIMS.has(name)) throw new TypeError(`claim "${name}" is set by the token service`);
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new TypeError(`claim "${name}" must be a string or a finite number`);
    }
  }
}

interface KeyMaterial {
  secretKey: string;
  signing: Promise<SigningKey>;
  verifying: Promise<VerifyingKey>;
}

export interface TokenServiceOptions {
  source: KeyringSource;
  issuer: string;
  audience: string;
  now?: () => Date;
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const { source, issuer, audience } = options;
  const now = options.now ?? (() => new Date());
  // Imported keys by kid. The secret is kept alongside, so a kid whose key changed is re-checked.
  const material = new Map<string, KeyMaterial>();

  function keyMaterial(key: KeyringKey): KeyMaterial {
    const cached = material.get(key.kid);
    if (cached && cached.secretKey === key.secretKey) return cached;
    const publicPaserk = publicPaserkFromSecret(key.secretKey);
    // Sources validate this too; repeating it here means no source can route a kid to another key.
    if (publicKeyId(publicPaserk) !== key.kid) throw new KeyringError('keyring kid does not match its key');
    const entry: KeyMaterial = {
      secretKey: key.secretKey,
      signing: importSigningKey(key.secretKey),
      verifying: importVerifyingKey(publicPaserk),
    };
    // Rejections surface at the awaiting call site; these handlers only stop unhandled-rejection noise.
    entry.signing.catch(() => undefined);
    entry.verifying.catch(() => undefined);
    material.set(key.kid, entry);
    return entry;
  }

  const findKey = (data: KeyringData, kid: string) => data.keys.find((key) => key.kid === kid);

  // The kids of the last keyring loaded per purpose, to notice keys that disappear.
  const seen = new Map<TokenPurpose, { data: KeyringData; kids: ReadonlySet<string> }>();
  const retiredListeners = new Set<(purpose: TokenPurpose, kids: readonly string[]) => void>();

  function observe(purpose: TokenPurpose, data: KeyringData): KeyringData {
    const last = seen.get(purpose);
    if (last?.data === data) return data;
    const kids = new Set(data.keys.map((key) => key.kid));
    seen.set(purpose, { data, kids });
    const gone = last ? [...last.kids].filter((kid) => !kids.has(kid)) : [];
    if (gone.length > 0) {
      for (const listener of [...retiredListeners]) {
        try {
          listener(purpose, gone);
        } catch {
          // A listener's failure must not fail the token operation that noticed the change.
        }
      }
    }
    return data;
  }

  const current = async (purpose: TokenPurpose) => observe(purpose, await source.get(purpose));

  async function lookUp(purpose: TokenPurpose, kid: string): Promise<KeyringKey> {
    const key = findKey(await current(purpose), kid);
    if (key) return key;
    // A kid we have not seen may be a key added by a rotation since our last load: reload once.
    let refreshed: KeyringData | undefined;
    try {
      refreshed = observe(purpose, await source.refresh(purpose));
    } catch {
      // Fail closed: without a fresh keyring the kid stays unknown.
    }
    const found = refreshed && findKey(refreshed, kid);
    if (found) return found;
    for (const other of TOKEN_PURPOSES) {
      if (other === purpose) continue;
      const otherData = await source.get(other).catch(() => undefined);
      if (otherData && findKey(otherData, kid)) throw new InvalidTokenError('wrong_purpose');
    }
    throw new InvalidTokenError('unknown_kid');
  }

  return {
    async issue(purpose, issueOptions) {
      assertPurpose(purpose);
      assertIssueOptions(issueOptions);
      const key = signingKey(await current(purpose));
      const issuedAt = now();
      const expiresAt = new Date(issuedAt.getTime() + issueOptions.ttlSeconds * 1000);
      const claims: Claims = {
        ...issueOptions.claims,
        iss: issuer,
        aud: audience,
        sub: issueOptions.subject,
        jti: issueOptions.jti,
        iat: issuedAt.toISOString(),
        exp: expiresAt.toISOString(),
      };
      const token = await signV4Public(await keyMaterial(key).signing, claims, {
        footer: JSON.stringify({ kid: key.kid }),
        implicitAssertion: implicitAssertion(purpose),
      });
      return { token, expiresAt, kid: key.kid } satisfies IssuedToken;
    },

    async verify(purpose, token) {
      assertPurpose(purpose);
      if (typeof token !== 'string' || token.length === 0) throw new InvalidTokenError('malformed');
      if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too_large');
      // Only v4.public is ever accepted; v4.local, v1–v3 and anything else stop here.
      if (!token.startsWith('v4.public.')) throw new InvalidTokenError('malformed');
      const { footer, kid } = footerKid(token);
      const key = await lookUp(purpose, kid);
      const verifyingKey = await keyMaterial(key).verifying;
      let claims: Claims;
      try {
        claims = await verifyV4Public(verifyingKey, token, {
          footer,
          implicitAssertion: implicitAssertion(purpose),
          now: now(),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          audience,
          issuer,
          requiredClaims: REQUIRED_CLAIMS,
          maxTokenAge: MAX_TOKEN_TTL_SECONDS,
        });
      } catch (error) {
        throw new InvalidTokenError(reasonFor(error), { cause: error });
      }
      const parsed = VerifiedClaimsSchema.safeParse(claims);
      if (!parsed.success) throw new InvalidTokenError('invalid_claims');
      return {
        sub: parsed.data.sub,
        jti: parsed.data.jti,
        iat: new Date(parsed.data.iat),
        exp: new Date(parsed.data.exp),
        kid,
        claims: Object.freeze({ ...claims }),
      } satisfies VerifiedToken;
    },

    async hasKey(purpose, kid) {
      assertPurpose(purpose);
      return findKey(await current(purpose), kid) !== undefined;
    },

    onKeysRetired(listener) {
      retiredListeners.add(listener);
      return () => retiredListeners.delete(listener);
    },
  };
}
