import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { parseSecretPaserk, publicKeyId, secretPaserk } from './paserk.js';

/** One signing key as the API's AWS secret source reads it. */
export interface KeyringKey {
  /** PASERK `k4.pid.` of the public key; tokens carry it in their footer. */
  kid: string;
  /** PASERK `k4.secret.` (Ed25519 seed || public key). */
  secretKey: string;
  /** ISO-8601 creation time; decides when the key may be dropped. */
  createdAt: string;
}

/** The secret's JSON: `keys` ordered oldest first, the signing key LAST. */
export interface Keyring {
  keys: KeyringKey[];
}

const HOUR_MS = 3_600_000;

/** Parses and shape-checks a keyring secret string (no cryptographic checks; see verifyKeyring). */
export function parseKeyring(secretString: string | undefined): Keyring {
  if (secretString === undefined) throw new Error('keyring secret has no SecretString');
  const value: unknown = JSON.parse(secretString);
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Keyring).keys)) {
    throw new Error('keyring must be an object with a keys array');
  }
  const keys = (value as Keyring).keys.map((key, index) => {
    const { kid, secretKey, createdAt } = key ?? {};
    if (typeof kid !== 'string' || typeof secretKey !== 'string' || typeof createdAt !== 'string') {
      throw new Error(`keyring key #${index} needs string kid, secretKey and createdAt`);
    }
    if (Number.isNaN(Date.parse(createdAt))) throw new Error(`keyring key #${index} has a bad createdAt`);
    return { kid, secretKey, createdAt };
  });
  return { keys };
}

/** A fresh Ed25519 key in PASERK form. */
export function generateKey(now: Date): KeyringKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d || !jwk.x) throw new Error('Ed25519 JWK export lacks d or x');
  const seed = Buffer.from(jwk.d, 'base64url');
  const publicKey = Buffer.from(jwk.x, 'base64url');
  return {
    kid: publicKeyId(publicKey),
    secretKey: secretPaserk(seed, publicKey),
    createdAt: now.toISOString(),
  };
}

export interface RetentionPolicy {
  /** How long a key signs before the next rotation replaces it. */
  rotationIntervalHours: number;
  /** Longest lifetime of a token signed by any key of this ring. */
  maxTokenLifetimeHours: number;
}

/**
 * The next keyring: the current keys still able to verify unexpired tokens, then a new key LAST.
 * A key older than rotation interval + token lifetime can no longer have signed a live token.
 * The newest current key is always kept: it signed tokens until this very rotation.
 */
export function rotateKeyring(current: Keyring, policy: RetentionPolicy, now: Date): Keyring {
  const keepForMs = (policy.rotationIntervalHours + policy.maxTokenLifetimeHours) * HOUR_MS;
  const newest = current.keys.at(-1);
  const kept = current.keys.filter(
    (key) => key === newest || now.getTime() - Date.parse(key.createdAt) < keepForMs,
  );
  return { keys: [...kept, generateKey(now)] };
}

/**
 * Proves a keyring usable before it goes live: every key parses, its kid is the PASERK pid of its
 * public key, ids are unique, and each key signs a message that its public key verifies.
 */
export function verifyKeyring(keyring: Keyring): void {
  if (keyring.keys.length === 0) throw new Error('keyring has no keys');
  const seen = new Set<string>();
  for (const key of keyring.keys) {
    const { privateKey, publicKey } = parseSecretPaserk(key.secretKey);
    if (publicKeyId(publicKey) !== key.kid) throw new Error(`kid ${key.kid} does not match its key`);
    if (seen.has(key.kid)) throw new Error(`duplicate kid ${key.kid}`);
    seen.add(key.kid);
    const message = Buffer.from(`parley keyring self-test ${key.kid}`);
    const signature = sign(null, message, privateKey);
    if (!verify(null, message, createPublicKey(privateKey), signature)) {
      throw new Error(`key ${key.kid} failed the sign/verify round-trip`);
    }
  }
}
