import { describe, expect, it } from 'vitest';
import {
  generateKey,
  parseKeyring,
  rotateKeyring,
  verifyKeyring,
} from '../lambda/keyring-rotation/keyring.js';
import { parseSecretPaserk, publicKeyId } from '../lambda/keyring-rotation/paserk.js';

const POLICY = { rotationIntervalHours: 30 * 24, maxTokenLifetimeHours: 24 };
const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('keyring', () => {
  it('generates an Ed25519 key whose kid is the PASERK pid of its public key', () => {
    const key = generateKey(NOW);
    expect(key.kid).toMatch(/^k4\.pid\.[A-Za-z0-9_-]{44}$/);
    expect(key.secretKey).toMatch(/^k4\.secret\.[A-Za-z0-9_-]{86}$/);
    expect(key.createdAt).toBe('2026-06-01T00:00:00.000Z');
    expect(publicKeyId(parseSecretPaserk(key.secretKey).publicKey)).toBe(key.kid);
  });

  it('appends the new key LAST and keeps keys that may still verify live tokens', () => {
    const previous = generateKey(daysAgo(30));
    const older = generateKey(daysAgo(30.5)); // 30.5 d < 31 d (30 d + 24 h lifetime): still needed
    const expired = generateKey(daysAgo(61));
    const next = rotateKeyring({ keys: [expired, older, previous] }, POLICY, NOW);
    expect(next.keys.map((k) => k.kid).slice(0, 2)).toEqual([older.kid, previous.kid]);
    expect(next.keys).toHaveLength(3);
    expect(next.keys.at(-1)?.createdAt).toBe(NOW.toISOString());
    verifyKeyring(next);
  });

  it('always keeps the newest current key, however old, so its tokens still verify', () => {
    const stale = generateKey(daysAgo(90));
    const next = rotateKeyring({ keys: [stale] }, POLICY, NOW);
    expect(next.keys.map((k) => k.kid)).toEqual([stale.kid, next.keys[1]?.kid]);
  });

  it('starts a ring from empty (the first rotation after deploy)', () => {
    const next = rotateKeyring({ keys: [] }, POLICY, NOW);
    expect(next.keys).toHaveLength(1);
    verifyKeyring(next);
  });

  it('fails verification for a wrong kid, a duplicate kid or an empty ring', () => {
    const a = generateKey(NOW);
    const b = generateKey(NOW);
    expect(() => verifyKeyring({ keys: [{ ...a, kid: b.kid }] })).toThrow(/does not match/);
    expect(() => verifyKeyring({ keys: [a, a] })).toThrow(/duplicate/);
    expect(() => verifyKeyring({ keys: [] })).toThrow(/no keys/);
  });

  it('parses only the documented JSON shape', () => {
    const key = generateKey(NOW);
    expect(parseKeyring(JSON.stringify({ keys: [key] }))).toEqual({ keys: [key] });
    expect(() => parseKeyring('{"keys":{}}')).toThrow(/keys array/);
    expect(() => parseKeyring(JSON.stringify({ keys: [{ kid: 'x', secretKey: 'y' }] }))).toThrow(/createdAt/);
    expect(() => parseKeyring(JSON.stringify({ keys: [{ ...key, createdAt: 'yesterday' }] }))).toThrow(
      /createdAt/,
    );
    expect(() => parseKeyring(undefined)).toThrow(/SecretString/);
  });
});
