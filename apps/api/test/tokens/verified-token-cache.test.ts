import { describe, expect, it, vi } from 'vitest';
import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import { createTokenService, InvalidTokenError } from '../../src/platform/tokens/token.service.js';
import { VerifiedTokenCache } from '../../src/platform/tokens/verified-token.cache.js';
import { createMemoryKeyringSource } from '../helpers/memory-keyring-source.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');

function setup(maxEntries = 100) {
  let nowMs = T0.getTime();
  const now = () => new Date(nowMs);
  const source = createMemoryKeyringSource(T0);
  const tokens = createTokenService({
    source,
    issuer: 'https://parley.test',
    audience: 'https://parley.test/api',
    now,
  });
  const verify = vi.spyOn(tokens, 'verify');
  const cache = new VerifiedTokenCache({ tokens, purpose: 'active_session', maxEntries, now });
  const issue = async (n: number, ttlSeconds = 3600) =>
    (
      await tokens.issue('active_session', {
        subject: `user-${n}`,
        jti: `jti-${n}`,
        ttlSeconds,
        claims: { sid: `sess-${n}` },
      })
    ).token;
  return { source, tokens, verify, cache, issue, advance: (ms: number) => (nowMs += ms) };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as InvalidTokenError).reason;
}

describe('verified token cache', () => {
  it('answers a token presented again from memory, with what verify answered', async () => {
    const { cache, verify, issue } = setup();
    const token = await issue(1);
    const first = await cache.verify(token);
    const again = await cache.verify(token);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(again).toEqual(first);
    expect(again).toMatchObject({ sub: 'user-1', claims: { sid: 'sess-1' } });
    expect(cache.size).toBe(1);
  });

  it('never remembers a failure: a forged token is verified, and refused, every time', async () => {
    const { cache, verify, issue } = setup();
    const token = await issue(1);
    // Flip a character of the signed payload: same kid, bad signature.
    const [v, p, payload = '', footer = ''] = token.split('.');
    const flipped = payload.startsWith('A') ? `B${payload.slice(1)}` : `A${payload.slice(1)}`;
    const forged = [v, p, flipped, footer].join('.');
    expect(await reasonOf(cache.verify(forged))).toBe(await reasonOf(cache.verify(forged)));
    expect(await reasonOf(cache.verify('v4.public.garbage'))).toBe('malformed');
    expect(verify).toHaveBeenCalledTimes(3);
    expect(cache.size).toBe(0);
  });

  it('stops serving a token at its exp: from then on verify decides (expired)', async () => {
    const { cache, verify, issue, advance } = setup();
    const token = await issue(1, 60);
    await cache.verify(token);
    advance(59_000);
    await cache.verify(token);
    expect(verify).toHaveBeenCalledTimes(1);
    advance(1_000 + 31_000); // past exp and the clock tolerance
    expect(await reasonOf(cache.verify(token))).toBe('expired');
    expect(verify).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  it('refuses a remembered token at once when its signing key leaves the keyring', async () => {
    const { cache, source, issue } = setup();
    const token = await issue(1);
    await cache.verify(token);
    // A rotation retired the key (or an operator removed a compromised one): only a new key remains.
    source.keyrings.active_session = { keys: [generateKeyringKey(T0)] };
    expect(await reasonOf(cache.verify(token))).toBe('unknown_kid');
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries tokens, dropping the least recently used first', async () => {
    const { cache, verify, issue } = setup(2);
    const [a, b, c] = [await issue(1), await issue(2), await issue(3)];
    await cache.verify(a);
    await cache.verify(b);
    await cache.verify(a); // a is now more recently used than b
    await cache.verify(c); // evicts b
    expect(cache.size).toBe(2);
    verify.mockClear();
    await cache.verify(a);
    await cache.verify(c);
    expect(verify).not.toHaveBeenCalled();
    await cache.verify(b);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('with maxEntries 0 verifies every time', async () => {
    const { cache, verify, issue } = setup(0);
    const token = await issue(1);
    await cache.verify(token);
    await cache.verify(token);
    expect(verify).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  it('shares one verification among concurrent first uses of a token', async () => {
    const { cache, verify, issue } = setup();
    const token = await issue(1);
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.verify(token)));
    expect(verify).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((r) => r.jti))).toEqual(new Set(['jti-1']));
  });

  it('only serves its own purpose: a token of another purpose is refused as verify refuses it', async () => {
    const { cache, tokens } = setup();
    const { token } = await tokens.issue('password_reset_session', {
      subject: 'user-1',
      jti: 'j',
      ttlSeconds: 600,
    });
    expect(await reasonOf(cache.verify(token))).toBe('wrong_purpose');
    expect(cache.size).toBe(0);
  });
});
