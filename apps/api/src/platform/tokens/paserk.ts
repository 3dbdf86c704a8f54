import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import type { KeyringKey } from './token.types.js';

/**
 * PASERK k4 plaintext serialisation (https://github.com/paseto-standard/paserk) for the three types the
 * keyrings use: `k4.secret` (stored), `k4.public` (derived) and `k4.pid` (the key id in token footers).
 * Every decoder is strict: a wrong version or type prefix, non-canonical base64url or a wrong length
 * throws, so a damaged secret fails loudly at load time instead of producing an unusable keyring.
 */

const SECRET_PREFIX = 'k4.secret.';
const PUBLIC_PREFIX = 'k4.public.';
const PID_PREFIX = 'k4.pid.';
const SEED_BYTES = 32;
const PUBLIC_BYTES = 32;
const SECRET_BYTES = SEED_BYTES + PUBLIC_BYTES;
const PID_BYTES = 33;

/** PKCS#8 DER header of an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class PaserkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaserkError';
  }
}

function decodeBody(paserk: string, prefix: string, length: number): Uint8Array {
  if (!paserk.startsWith(prefix)) throw new PaserkError(`expected a ${prefix.slice(0, -1)} PASERK`);
  const body = paserk.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new PaserkError('PASERK body is not unpadded base64url');
  const bytes = Buffer.from(body, 'base64url');
  // Re-encoding rejects non-canonical forms (stray trailing bits) that Node's lenient decoder accepts.
  if (bytes.length !== length || bytes.toString('base64url') !== body) {
    throw new PaserkError(`${prefix.slice(0, -1)} PASERK must hold exactly ${length} bytes`);
  }
  return new Uint8Array(bytes);
}

function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new PaserkError(`${what} must be exactly ${length} bytes`);
}

/** Node's Ed25519 private key of a 32-byte seed. */
function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** Ed25519 public key of a 32-byte seed, via Node's native implementation. */
function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const { x } = privateKeyFromSeed(seed).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new PaserkError('could not derive the Ed25519 public key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * A k4 secret key is seed ‖ public key. A mismatched public half would make every signature fail
 * verification (or, worse, be published under the wrong kid), so it is checked against the seed.
 */
function assertConsistentSecret(bytes: Uint8Array): void {
  const derived = publicKeyFromSeed(bytes.subarray(0, SEED_BYTES));
  if (!Buffer.from(derived).equals(bytes.subarray(SEED_BYTES))) {
    throw new PaserkError('k4.secret public half does not match its seed');
  }
}

export function encodeSecretPaserk(secretKey: Uint8Array): string {
  assertLength(secretKey, SECRET_BYTES, 'k4.secret key');
  assertConsistentSecret(secretKey);
  return SECRET_PREFIX + Buffer.from(secretKey).toString('base64url');
}

export function decodeSecretPaserk(paserk: string): Uint8Array {
  const bytes = decodeBody(paserk, SECRET_PREFIX, SECRET_BYTES);
  assertConsistentSecret(bytes);
  return bytes;
}

export function encodePublicPaserk(publicKey: Uint8Array): string {
  assertLength(publicKey, PUBLIC_BYTES, 'k4.public key');
  return PUBLIC_PREFIX + Buffer.from(publicKey).toString('base64url');
}

export function decodePublicPaserk(paserk: string): Uint8Array {
  return decodeBody(paserk, PUBLIC_PREFIX, PUBLIC_BYTES);
}

/** `k4.pid` of a `k4.public` PASERK: BLAKE2b-264 over "k4.pid." ‖ the PASERK string (PASERK spec, ID operation). */
export function publicKeyId(publicPaserk: string): string {
  decodePublicPaserk(publicPaserk);
  const digest = blake2b(new TextEncoder().encode(PID_PREFIX + publicPaserk), { dkLen: PID_BYTES });
  return PID_PREFIX + Buffer.from(digest).toString('base64url');
}

/** Validates a `k4.pid` string's shape (33 bytes, canonical base64url); it cannot be checked further. */
export function isPublicKeyId(value: string): boolean {
  try {
    decodeBody(value, PID_PREFIX, PID_BYTES);
    return true;
  } catch {
    return false;
  }
}

/** The `k4.public` PASERK of a `k4.secret` PASERK (its verified public half). */
export function publicPaserkFromSecret(secretPaserk: string): string {
  return encodePublicPaserk(decodeSecretPaserk(secretPaserk).subarray(SEED_BYTES));
}

/** Node's private key of a `k4.secret` PASERK (its halves checked), for signing outside PASETO. */
export function privateKeyFromSecret(secretPaserk: string): KeyObject {
  const bytes = decodeSecretPaserk(secretPaserk);
  try {
    return privateKeyFromSeed(bytes.subarray(0, SEED_BYTES));
  } finally {
    bytes.fill(0);
  }
}

/** A fresh Ed25519 signing key as a keyring entry; the kid is derived, never chosen. */
export function generateKeyringKey(now: Date): KeyringKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d, x } = privateKey.export({ format: 'jwk' });
  if (typeof d !== 'string' || typeof x !== 'string') throw new PaserkError('Ed25519 key export failed');
  const secret = new Uint8Array(Buffer.concat([Buffer.from(d, 'base64url'), Buffer.from(x, 'base64url')]));
  const secretKey = encodeSecretPaserk(secret);
  secret.fill(0);
  return { kid: publicKeyId(publicPaserkFromSecret(secretKey)), secretKey, createdAt: now.toISOString() };
}
