import { describe, expect, it } from 'vitest';
import {
  assertKeyringSigns,
  KEY_RETENTION_MS,
  KeyringError,
  parseKeyringData,
  rotateKeyring,
} from '../../src/platform/tokens/keyring.js';
import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import { createTokenService, InvalidTokenError } from '../../src/platform/tokens/token.service.js';
import type { KeyringData, KeyringSource } from '../../src/platform/tokens/token.types.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (days: number, extraMs = 0) => new Date(T0.getTime() + days * DAY + extraMs);
const rotate = (data: KeyringData, now: Date) => rotateKeyring(data, now, { retainMs: KEY_RETENTION_MS });

/** One keyring shared by all purposes; only active_session is used here. */
function singleKeyringSource(initial: KeyringData) {
  let data = initial;
  const source: KeyringSource = {
    get: async () => data,
    refresh: async () => data,
    close() {},
  };
  return {
    source,
    set(next: KeyringData) {
      data = next;
    },
  };
}

describe('key rotation with the token service', () => {
  it('keeps old tokens valid across a rotation, signs new ones with the new key, and fails once the old key retires', async () => {
    let now = at(29, 12 * 3600_000);
    const ring = singleKeyringSource({ keys: [generateKeyringKey(T0)] });
    const service = createTokenService({ source: ring.source, issuer: 'i', audience: 'a', now: () => now });
    const old = await service.issue('active_session', { subject: 'u', jti: 'j1', ttlSeconds: 24 * 3600 });

    // Day 30: rotation. The token signed 12 hours ago by the previous key still verifies.
    const afterFirst = rotate(
      parseKeyringData({ keys: [...(await ring.source.get('active_session')).keys] }, 't'),
      at(30),
    );
    ring.set(afterFirst);
    now = at(30, 60_000);
    await expect(service.verify('active_session', old.token)).resolves.toMatchObject({ kid: old.kid });
    const fresh = await service.issue('active_session', { subject: 'u', jti: 'j2', ttlSeconds: 3600 });
    expect(fresh.kid).not.toBe(old.kid);
    expect(fresh.kid).toBe(afterFirst.keys.at(-1)?.kid);
    await expect(service.verify('active_session', fresh.token)).resolves.toMatchObject({ kid: fresh.kid });

    // Day 60: the next rotation retires the first key. Even at a time the old token would be
    // unexpired, it no longer verifies: its kid is gone and verification fails closed.
    const afterSecond = rotate(afterFirst, at(60));
    expect(afterSecond.keys.map((k) => k.kid)).not.toContain(old.kid);
    ring.set(afterSecond);
    now = at(29, 13 * 3600_000);
    const error = await service.verify('active_session', old.token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe('unknown_kid');
  });
});

describe('rotateKeyring', () => {
  it('appends the new key last and keeps the key it replaces', () => {
    const k1 = generateKeyringKey(T0);
    const rotated = rotate({ keys: [k1] }, at(30));
    expect(rotated.keys).toHaveLength(2);
    expect(rotated.keys[0]).toEqual(k1);
    expect(rotated.keys[1]?.createdAt).toBe(at(30).toISOString());
    expect(() => parseKeyringData(rotated, 'rotated')).not.toThrow();
  });

  it('keeps every key younger than the retention (30 d + 24 h) and drops older ones', () => {
    const k1 = generateKeyringKey(T0);
    const k2 = generateKeyringKey(at(30));
    // Day 30 + 23 h: k1 is 30 d 23 h old, still inside the retention; k2 is the key being replaced.
    expect(rotate({ keys: [k1, k2] }, at(30, 23 * 3600_000)).keys.map((k) => k.kid)).toContain(k1.kid);
    // Day 60: k1 is 60 days old and was superseded 30 days ago: retired.
    const day60 = rotate({ keys: [k1, k2] }, at(60));
    expect(day60.keys.map((k) => k.kid)).toEqual([k2.kid, day60.keys[1]?.kid]);
  });

  it('always keeps the newest previous key, however old', () => {
    const k1 = generateKeyringKey(T0);
    const rotated = rotate({ keys: [k1] }, at(400));
    expect(rotated.keys[0]?.kid).toBe(k1.kid);
  });

  it('keeps a key whose successor is less than a token lifetime old (emergency rotation after a late one)', () => {
    const k1 = generateKeyringKey(T0);
    const k2 = generateKeyringKey(at(45)); // late rotation: k1 signed until day 45
    const emergency = rotate({ keys: [k1, k2] }, at(45, 3600_000)); // one hour later
    expect(emergency.keys.map((k) => k.kid).slice(0, 2)).toEqual([k1.kid, k2.kid]);
    const later = rotate({ keys: [k1, k2] }, at(47));
    expect(later.keys.map((k) => k.kid)).not.toContain(k1.kid);
  });

  it('does not modify its input', () => {
    const data = { keys: [generateKeyringKey(T0), generateKeyringKey(at(30))] };
    const snapshot = structuredClone(data);
    rotate(data, at(90));
    expect(data).toEqual(snapshot);
  });
});

describe('parseKeyringData', () => {
  it('accepts an empty ring only as the input of a rotation (the AWS secret starts as {"keys":[]})', () => {
    expect(() => parseKeyringData({ keys: [] }, 'test')).toThrow(KeyringError);
    expect(parseKeyringData({ keys: [] }, 'test', { allowEmpty: true })).toEqual({ keys: [] });
    expect(rotate(parseKeyringData({ keys: [] }, 'test', { allowEmpty: true }), T0).keys).toHaveLength(1);
  });

  it('proves every key signs what its public half verifies before a rotated ring goes live', () => {
    const ring = rotate({ keys: [generateKeyringKey(T0)] }, at(30));
    expect(assertKeyringSigns(ring, 'rotated')).toEqual(ring);
    expect(() => assertKeyringSigns({ keys: [] }, 'empty')).toThrow(KeyringError);
  });

  it('rejects empty keyrings, duplicate kids, kids that do not match their key and bad secrets, without echoing secrets', () => {
    const a = generateKeyringKey(T0);
    const b = generateKeyringKey(T0);
    const cases: unknown[] = [
      { keys: [] },
      { keys: [a, a] },
      { keys: [{ ...a, kid: b.kid }] },
      { keys: [{ ...a, secretKey: `${a.secretKey.slice(0, -2)}AA` }] },
      { keys: [{ ...a, createdAt: 'yesterday' }] },
      { keys: [{ ...a, secretKey: b.secretKey.replace('k4.', 'k3.') }] },
      null,
    ];
    for (const value of cases) {
      let error: unknown;
      try {
        parseKeyringData(value, 'test');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(KeyringError);
      const message = (error as Error).message;
      expect(message).not.toContain(a.secretKey.slice(10, 40));
      expect(message).not.toContain(b.secretKey.slice(10, 40));
    }
  });
});
