import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';

const SECRET_PREFIX = 'k4.secret.';
const PUBLIC_PREFIX = 'k4.public.';
const PID_PREFIX = 'k4.pid.';

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromBase64Url(text: string): Buffer {
  // PASERK uses unpadded base64url; reject anything Node would silently skip.
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('PASERK payload is not unpadded base64url');
  return Buffer.from(text, 'base64url');
}

/** PASERK `k4.public.` of a 32-byte Ed25519 public key. */
export function publicPaserk(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('k4 public keys are 32 bytes');
  return PUBLIC_PREFIX + toBase64Url(publicKey);
}

/** PASERK `k4.pid.`: `h || base64url(BLAKE2b-264(h || k4.public.…))` with h = "k4.pid." (PASERK spec). */
export function publicKeyId(publicKey: Uint8Array): string {
  const message = Buffer.from(PID_PREFIX + publicPaserk(publicKey), 'utf8');
  return PID_PREFIX + toBase64Url(blake2b(message, { dkLen: 33 }));
}

/** PASERK `k4.secret.` of the 64-byte Ed25519 secret key (seed || public key). */
export function secretPaserk(seed: Uint8Array, publicKey: Uint8Array): string {
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error('k4 seed and public key are 32 bytes');
  return SECRET_PREFIX + toBase64Url(Buffer.concat([seed, publicKey]));
}

export interface ParsedSecretKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

/**
 * Parses a `k4.secret.` PASERK and checks that its public half really belongs to its seed:
 * a keyring with a mismatched half would sign tokens that its own `kid` cannot verify.
 */
export function parseSecretPaserk(paserk: string): ParsedSecretKey {
  if (!paserk.startsWith(SECRET_PREFIX)) throw new Error('not a k4.secret PASERK');
  const bytes = fromBase64Url(paserk.slice(SECRET_PREFIX.length));
  if (bytes.length !== 64) throw new Error('k4.secret must hold 64 bytes');
  const seed = bytes.subarray(0, 32);
  const publicKey = new Uint8Array(bytes.subarray(32));
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(seed), x: toBase64Url(publicKey) },
    format: 'jwk',
  });
  const derived = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  if (derived !== toBase64Url(publicKey)) throw new Error('k4.secret public half does not match its seed');
  return { privateKey, publicKey };
}
