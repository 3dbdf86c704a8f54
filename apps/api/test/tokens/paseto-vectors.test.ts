import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodePublicPaserk,
  decodeSecretPaserk,
  encodePublicPaserk,
  encodeSecretPaserk,
  publicKeyId,
} from '../../src/platform/tokens/paserk.js';
import {
  type Claims,
  importSigningKey,
  importVerifyingKey,
  readV4PublicFooter,
  signV4Public,
  verifyV4Public,
} from '../../src/platform/tokens/paseto-v4.js';

// Official vectors from paseto-standard/test-vectors (see test/vectors/paseto/SOURCE.txt).
interface TokenVector {
  name: string;
  'expect-fail': boolean;
  'public-key'?: string;
  'secret-key'?: string;
  key?: string;
  token: string;
  payload: string | null;
  footer: string;
  'implicit-assertion': string;
}
interface PaserkVector {
  name: string;
  'expect-fail': boolean;
  key: string;
  paserk: string | null;
}

const load = <T>(file: string): { tests: T[] } =>
  JSON.parse(readFileSync(new URL(`../vectors/paseto/${file}`, import.meta.url), 'utf8'));
const hex = (value: string) => new Uint8Array(Buffer.from(value, 'hex'));

const v4 = load<TokenVector>('v4.json').tests;
const publicVectors = v4.filter((t) => t.name.startsWith('4-S-'));
const failVectors = v4.filter((t) => t.name.startsWith('4-F-'));
// The passing vectors expire on 2022-01-01; verify at a time they were valid.
const VECTOR_NOW = new Date('2021-06-01T00:00:00Z');

describe('PASETO v4.public official vectors', () => {
  it('has the vectors it is meant to run', () => {
    expect(publicVectors.map((t) => t.name)).toEqual(['4-S-1', '4-S-2', '4-S-3']);
    expect(failVectors.length).toBeGreaterThanOrEqual(5);
  });

  describe.each(publicVectors)('$name', (vector) => {
    const secretPaserk = () => encodeSecretPaserk(hex(vector['secret-key'] ?? ''));
    const publicPaserk = () => encodePublicPaserk(hex(vector['public-key'] ?? ''));

    it('signs to exactly the expected token (deterministic Ed25519)', async () => {
      const key = await importSigningKey(secretPaserk());
      const claims = JSON.parse(vector.payload ?? 'null') as Claims;
      const token = await signV4Public(key, claims, {
        footer: vector.footer,
        implicitAssertion: vector['implicit-assertion'],
      });
      expect(token).toBe(vector.token);
    });

    it('verifies and decodes to the expected payload and footer', async () => {
      const key = await importVerifyingKey(publicPaserk());
      expect(readV4PublicFooter(vector.token)).toBe(vector.footer);
      const claims = await verifyV4Public(key, vector.token, {
        footer: vector.footer,
        implicitAssertion: vector['implicit-assertion'],
        now: VECTOR_NOW,
      });
      expect(claims).toEqual(JSON.parse(vector.payload ?? 'null'));
    });

    it('fails with a different implicit assertion', async () => {
      const key = await importVerifyingKey(publicPaserk());
      await expect(
        verifyV4Public(key, vector.token, {
          footer: vector.footer,
          implicitAssertion: `${vector['implicit-assertion']}x`,
          now: VECTOR_NOW,
        }),
      ).rejects.toThrow();
    });
  });

  describe.each(failVectors)('$name (expect-fail)', (vector) => {
    it('does not verify', async () => {
      expect(vector['expect-fail']).toBe(true);
      // 4-F-2 carries only a symmetric key: try it as a public key too, besides the vector set's key.
      const candidates = [vector['public-key'], vector.key, publicVectors[0]?.['public-key']].filter(
        (value): value is string => typeof value === 'string' && value.length === 64,
      );
      expect(candidates.length).toBeGreaterThan(0);
      for (const candidate of candidates) {
        const key = await importVerifyingKey(encodePublicPaserk(hex(candidate)));
        await expect(
          verifyV4Public(key, vector.token, {
            footer: vector.footer,
            implicitAssertion: vector['implicit-assertion'],
            now: VECTOR_NOW,
          }),
        ).rejects.toThrow();
      }
    });
  });
});

describe('PASERK k4 official vectors', () => {
  const secret = load<PaserkVector>('PASERK/k4.secret.json').tests;
  const pub = load<PaserkVector>('PASERK/k4.public.json').tests;
  const pid = load<PaserkVector>('PASERK/k4.pid.json').tests;

  it('has vectors for each type', () => {
    for (const set of [secret, pub, pid]) {
      expect(set.some((t) => t['expect-fail'])).toBe(true);
      expect(set.some((t) => !t['expect-fail'])).toBe(true);
    }
  });

  it.each(secret)('k4.secret $name', (vector) => {
    if (vector['expect-fail']) {
      expect(() => encodeSecretPaserk(hex(vector.key))).toThrow();
      return;
    }
    expect(encodeSecretPaserk(hex(vector.key))).toBe(vector.paserk);
    expect(Buffer.from(decodeSecretPaserk(vector.paserk ?? '')).toString('hex')).toBe(vector.key);
  });

  it.each(pub)('k4.public $name', (vector) => {
    if (vector['expect-fail']) {
      expect(() => encodePublicPaserk(hex(vector.key))).toThrow();
      return;
    }
    expect(encodePublicPaserk(hex(vector.key))).toBe(vector.paserk);
    expect(Buffer.from(decodePublicPaserk(vector.paserk ?? '')).toString('hex')).toBe(vector.key);
  });

  it.each(pid)('k4.pid $name', (vector) => {
    if (vector['expect-fail']) {
      expect(() => publicKeyId(encodePublicPaserk(hex(vector.key)))).toThrow();
      return;
    }
    expect(publicKeyId(encodePublicPaserk(hex(vector.key)))).toBe(vector.paserk);
  });

  it('rejects PASERKs of the wrong version, type, length or encoding', () => {
    const good = pub.find((t) => !t['expect-fail'])?.paserk ?? '';
    expect(() => decodePublicPaserk(good.replace('k4.', 'k3.'))).toThrow();
    expect(() => decodePublicPaserk(good.replace('.public.', '.secret.'))).toThrow();
    expect(() => decodePublicPaserk(good.slice(0, -2))).toThrow();
    expect(() => decodePublicPaserk(`${good}=`)).toThrow();
    expect(() => publicKeyId(good.replace('k4.public.', 'k4.pid.'))).toThrow();
    const goodSecret = secret.find((t) => !t['expect-fail'])?.key ?? '';
    // A secret whose public half is not derived from its seed.
    const mismatched = hex(goodSecret);
    mismatched[63] = (mismatched[63] ?? 0) ^ 1;
    expect(() => encodeSecretPaserk(mismatched)).toThrow();
  });
});
