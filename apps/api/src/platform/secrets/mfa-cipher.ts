import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { type MfaKey, MfaKeyError, type MfaKeySource } from './mfa-keys.js';

/**
 * Sealing of second-factor secrets with the `mfa_encryption` keys (mfa-keys.ts).
 *
 * `seal` is AES-256-GCM with a random 96-bit nonce and the owner (a user id) as associated data, so a
 * sealed value copied onto another user's row does not open. Its text form is
 * `v1.<kid>.<nonce>.<ciphertext+tag>` (base64url): the kid says which key opens it after a rotation.
 * `macs` is HMAC-SHA-256 under every known key, for looking a value up by its keyed hash.
 */

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface Opened {
  readonly plaintext: string;
  /** False when an older key sealed it: the caller may seal it again under the current key. */
  readonly current: boolean;
}

export class MfaCipher {
  constructor(private readonly keys: MfaKeySource) {}

  /** Loads the keys now (creating the local material on first start), so a missing secret fails the boot. */
  async load(): Promise<void> {
    await this.keys.get();
  }

  async seal(plaintext: string, owner: string): Promise<string> {
    const key = (await this.keys.get()).current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.sealKey, nonce);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, key.kid, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Opens a sealed value of `owner`; throws MfaKeyError when it is malformed, tampered or its key unknown. */
  async open(sealed: string, owner: string): Promise<Opened> {
    const [version, kid, nonceText, bodyText, ...rest] = sealed.split('.');
    if (version !== VERSION || !kid || !nonceText || !bodyText || rest.length > 0) {
      throw new MfaKeyError('sealed value is malformed');
    }
    let keyring = await this.keys.get();
    let key: MfaKey | undefined = keyring.byKid.get(kid);
    if (!key) {
      keyring = await this.keys.refresh();
      key = keyring.byKid.get(kid);
    }
    if (!key) throw new MfaKeyError(`no MFA key ${kid} is loaded`);
    const body = Buffer.from(bodyText, 'base64url');
    if (body.length < TAG_BYTES) throw new MfaKeyError('sealed value is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.sealKey, Buffer.from(nonceText, 'base64url'));
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      return { plaintext, current: key.kid === keyring.current.kid };
    } catch {
      throw new MfaKeyError('sealed value does not open: tampered, or sealed for someone else');
    }
  }

  /** Hex HMAC-SHA-256 of `value` under every known key, the current key's first. */
  async macs(value: string): Promise<string[]> {
    const keyring = await this.keys.get();
    const keys = [keyring.current, ...[...keyring.byKid.values()].filter((k) => k !== keyring.current)];
    return keys.map((key) => createHmac('sha256', key.macKey).update(value, 'utf8').digest('hex'));
  }
}
