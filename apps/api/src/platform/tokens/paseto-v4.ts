import { type Claims, InspectFooter, PublicProtocol } from 'paseto';
import {
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
  type PublicKey,
  type SecretKey,
  SignFactory,
  VerifyFactory,
} from 'paseto/v4/public';
import { decodePublicPaserk, decodeSecretPaserk } from './paserk.js';

/**
 * The only door to the `paseto` package: v4.public signing and verification with an explicit footer
 * and implicit assertion. The token service and the official-vector test both go through here, so the
 * vectors exercise exactly the code that signs and verifies Parley's tokens.
 */

const v4 = new PublicProtocol(SignFactory, VerifyFactory, ImportSecretKeyFactory, ImportPublicKeyFactory);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type { Claims };
export type SigningKey = SecretKey;
export type VerifyingKey = PublicKey;

export async function importSigningKey(secretPaserk: string): Promise<SigningKey> {
  decodeSecretPaserk(secretPaserk);
  return await v4.ImportSecretKey(secretPaserk as `k4.secret.${string}`);
}

export async function importVerifyingKey(publicPaserk: string): Promise<VerifyingKey> {
  decodePublicPaserk(publicPaserk);
  return await v4.ImportPublicKey(publicPaserk as `k4.public.${string}`);
}

export interface SignOptions {
  footer: string;
  implicitAssertion: string;
}

/** Signs `claims` exactly as given: no `iat` or `exp` is added, so the caller owns every claim. */
export async function signV4Public(key: SigningKey, claims: Claims, options: SignOptions): Promise<string> {
  return await v4.Sign(key, claims, {
    footer: utf8.encode(options.footer),
    implicitAssertion: utf8.encode(options.implicitAssertion),
    addIssuedAt: false,
    ...(claims.exp === undefined ? { nonExpiring: true } : {}),
  });
}

export interface VerifyOptions {
  /** The exact footer the token must carry (already used to pick the key). */
  footer: string;
  implicitAssertion: string;
  now: Date;
  clockTolerance?: number;
  audience?: string;
  issuer?: string;
  requiredClaims?: readonly string[];
  /** Seconds after `iat` past which the token is refused regardless of `exp`. */
  maxTokenAge?: number;
}

/** Verifies signature, footer, implicit assertion and the temporal/registered claims; throws on any failure. */
export async function verifyV4Public(
  key: VerifyingKey,
  token: string,
  options: VerifyOptions,
): Promise<Claims> {
  const { claims } = await v4.Verify(key, token, {
    footer: utf8.encode(options.footer),
    implicitAssertion: utf8.encode(options.implicitAssertion),
    now: options.now,
    clockTolerance: options.clockTolerance ?? 0,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.requiredClaims === undefined ? {} : { requiredClaims: options.requiredClaims }),
    ...(options.maxTokenAge === undefined ? {} : { maxTokenAge: options.maxTokenAge }),
  });
  return claims;
}

/**
 * The footer of a `v4.public` token, unauthenticated: good only for choosing a key. Throws for any
 * other version or purpose, bad framing or a footer that is not UTF-8.
 */
export function readV4PublicFooter(token: string): string {
  if (!token.startsWith('v4.public.')) throw new TypeError('not a v4.public token');
  return strictUtf8.decode(InspectFooter(token));
}
