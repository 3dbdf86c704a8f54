import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseSecretPaserk,
  publicKeyId,
  publicPaserk,
  secretPaserk,
} from '../lambda/keyring-rotation/paserk.js';

interface Vector {
  name: string;
  'expect-fail': boolean;
  key: string;
  paserk: string | null;
  'secret-key-seed'?: string;
  'public-key'?: string | null;
}

function vectors(file: string): Vector[] {
  return JSON.parse(readFileSync(path.join(import.meta.dirname, 'vectors', file), 'utf8')).tests;
}

const hex = (value: string) => Buffer.from(value, 'hex');

describe('PASERK k4 (official test vectors)', () => {
  it.each(vectors('k4.pid.json'))('k4.pid $name', (vector) => {
    if (vector['expect-fail']) {
      // Wrong-size public keys must not serialize.
      expect(() => publicKeyId(hex(vector.key))).toThrow();
    } else {
      expect(publicKeyId(hex(vector.key))).toBe(vector.paserk);
    }
  });

  it.each(vectors('k4.public.json'))('k4.public $name', (vector) => {
    if (vector['expect-fail']) expect(() => publicPaserk(hex(vector.key))).toThrow();
    else expect(publicPaserk(hex(vector.key))).toBe(vector.paserk);
  });

  it.each(vectors('k4.secret.json').filter((v) => !v['expect-fail']))('k4.secret $name', (vector) => {
    const seed = hex(vector['secret-key-seed'] ?? '');
    const publicKey = hex(vector['public-key'] ?? '');
    expect(secretPaserk(seed, publicKey)).toBe(vector.paserk);
    const parsed = parseSecretPaserk(vector.paserk ?? '');
    expect(Buffer.from(parsed.publicKey).toString('hex')).toBe(vector['public-key']);
  });

  it.each(vectors('k4.secret.json').filter((v) => v['expect-fail']))('rejects k4.secret $name', (vector) => {
    const bytes = hex(vector.key);
    expect(() => parseSecretPaserk(`k4.secret.${bytes.toString('base64url')}`)).toThrow();
  });

  it('rejects a secret whose public half does not belong to its seed', () => {
    const good = vectors('k4.secret.json')[1];
    const other = vectors('k4.secret.json')[2];
    const forged = secretPaserk(hex(good?.['secret-key-seed'] ?? ''), hex(other?.['public-key'] ?? ''));
    expect(() => parseSecretPaserk(forged)).toThrow(/does not match/);
  });

  it('rejects other versions and padded or non-base64url payloads', () => {
    expect(() => parseSecretPaserk('k3.secret.AAAA')).toThrow(/not a k4.secret/);
    expect(() => parseSecretPaserk('k4.secret.AAAA==')).toThrow(/base64url/);
  });
});
