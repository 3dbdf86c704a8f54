import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The `mfa_encryption` secret: key material that seals TOTP secrets (AES-256-GCM) and keys the hashes of
 * recovery codes (HMAC-SHA-256), so neither is usable from a copy of the database alone. The material is
 * a random string (locally 32 random bytes in base64url, generated on first start; in AWS a 64-character
 * string Secrets Manager generates); both keys are derived from it with HKDF-SHA-256 under their own
 * labels, so the one secret never serves two purposes directly.
 *
 * Several keys may be known at once (a rotation: locally a list, in AWS the AWSCURRENT and AWSPREVIOUS
 * versions). Sealing and new hashes use the newest; what was made under an older one names its `kid`
 * and keeps working while that key is known.
 */

/** At least this many characters of key material (≥ 190 bits even for alphanumerics). */
export const MIN_MFA_KEY_MATERIAL = 32;

export interface MfaKey {
  /** A one-way fingerprint of the material (not secret): which key sealed or hashed a value. */
  readonly kid: string;
  /** AES-256-GCM key for TOTP secrets. */
  readonly sealKey: Buffer;
  /** HMAC-SHA-256 key for recovery-code hashes. */
  readonly macKey: Buffer;
  /** HMAC-SHA-256 key for signed email links that outlive a PASETO token (unsubscribe; link-signer.ts). */
  readonly linkKey: Buffer;
}

export interface MfaKeyring {
  /** The newest key: seals and hashes everything new. */
  readonly current: MfaKey;
  /** Every known key by kid, the current one included. */
  readonly byKid: ReadonlyMap<string, MfaKey>;
}

/** Where the keys come from: the local secrets file or Secrets Manager (platform.ts picks one). */
export interface MfaKeySource {
  get(): Promise<MfaKeyring>;
  /** Reloads now (a value names a kid we do not know: a rotation elsewhere); throttled by each source. */
  refresh(): Promise<MfaKeyring>;
  close(): void;
}

export class MfaKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MfaKeyError';
  }
}

const derive = (material: string, label: string) =>
  Buffer.from(hkdfSync('sha256', Buffer.from(material, 'utf8'), 'parley', `parley ${label} v1`, 32));

export function deriveMfaKey(material: string, where: string): MfaKey {
  if (typeof material !== 'string' || material.length < MIN_MFA_KEY_MATERIAL) {
    // Never quote the value: it is the secret.
    throw new MfaKeyError(
      `${where}: MFA key material must be a string of at least ${MIN_MFA_KEY_MATERIAL} characters`,
    );
  }
  const kid = createHmac('sha256', material).update('parley mfa kid').digest('base64url').slice(0, 12);
  return {
    kid,
    sealKey: derive(material, 'totp-seal'),
    macKey: derive(material, 'recovery-mac'),
    linkKey: derive(material, 'email-link-mac'),
  };
}

/** A keyring from materials, oldest first (the last one is current). */
export function mfaKeyring(materials: readonly string[], where: string): MfaKeyring {
  if (materials.length === 0) throw new MfaKeyError(`${where}: no MFA key material`);
  const keys = materials.map((material) => deriveMfaKey(material, where));
  const current = keys.at(-1) as MfaKey;
  return { current, byKid: new Map(keys.map((key) => [key.kid, key])) };
}
