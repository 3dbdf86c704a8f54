import { describe, expect, it } from 'vitest';
import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import { importSigningKey, signV4Public } from '../../src/platform/tokens/paseto-v4.js';
import {
  createTokenService,
  InvalidTokenError,
  MAX_TOKEN_LENGTH,
} from '../../src/platform/tokens/token.service.js';
import type { TokenPurpose, TokenService } from '../../src/platform/tokens/token.types.js';
import { createMemoryKeyringSource } from '../helpers/memory-keyring-source.js';

const ISSUER = 'https://parley.test';
const AUDIENCE = 'https://parley.test/api';
const T0 = new Date('2026-03-01T12:00:00.000Z');

function setup(now = () => T0) {
  const source = createMemoryKeyringSource(T0);
  const service = createTokenService({ source, issuer: ISSUER, audience: AUDIENCE, now });
  return { source, service };
}

const issueSession = (service: TokenService, purpose: TokenPurpose = 'active_session') =>
  service.issue(purpose, {
    subject: 'user-1',
    jti: 'jti-1',
    ttlSeconds: 3600,
    claims: { sid: 'sess-1', n: 7 },
  });

async function expectInvalid(promise: Promise<unknown>, reason?: string): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  const invalid = error as InvalidTokenError;
  if (reason) expect(invalid.reason).toBe(reason);
  return invalid;
}

/** Token parts: v4, public, payload (message ‖ 64-byte signature), footer. */
function parts(token: string): [string, string] {
  const [, , payload, footer] = token.split('.');
  return [payload ?? '', footer ?? ''];
}

describe('token service', () => {
  it('round-trips sub, jti, iat, exp, kid and extra claims', async () => {
    const { source, service } = setup();
    const issued = await issueSession(service);
    expect(issued.token.startsWith('v4.public.')).toBe(true);
    expect(issued.kid).toBe(source.keyrings.active_session.keys[0]?.kid);
    expect(issued.expiresAt).toEqual(new Date(T0.getTime() + 3600_000));
    const verified = await service.verify('active_session', issued.token);
    expect(verified).toMatchObject({
      sub: 'user-1',
      jti: 'jti-1',
      kid: issued.kid,
      iat: T0,
      exp: issued.expiresAt,
    });
    expect(verified.claims).toMatchObject({ sid: 'sess-1', n: 7, iss: ISSUER, aud: AUDIENCE });
    expect(Object.isFrozen(verified.claims)).toBe(true);
    // The footer names the key by its PASERK pid, as JSON.
    expect(JSON.parse(Buffer.from(parts(issued.token)[1], 'base64url').toString())).toEqual({
      kid: issued.kid,
    });
  });

  it('rejects a token of another purpose (separate keyrings)', async () => {
    const { service } = setup();
    const { token } = await issueSession(service, 'verify_email_session');
    await expectInvalid(service.verify('active_session', token), 'wrong_purpose');
    await expectInvalid(service.verify('password_reset_session', token), 'wrong_purpose');
    await expect(service.verify('verify_email_session', token)).resolves.toBeDefined();
  });

  it('rejects a token of another purpose even when both purposes share key material (implicit assertion)', async () => {
    const { source, service } = setup();
    source.keyrings.password_reset_session = source.keyrings.active_session;
    const { token } = await issueSession(service, 'password_reset_session');
    await expectInvalid(service.verify('active_session', token), 'bad_signature');
    await expect(service.verify('password_reset_session', token)).resolves.toBeDefined();
  });

  it('fails closed on an unknown kid after exactly one refresh', async () => {
    const { source, service } = setup();
    const stranger = setup().service;
    const { token } = await issueSession(stranger);
    await expectInvalid(service.verify('active_session', token), 'unknown_kid');
    expect(source.refreshCalls).toEqual(['active_session']);
  });

  it('accepts a kid that a refresh brings in (a rotation elsewhere)', async () => {
    const { source, service } = setup();
    const rotated = { keys: [...source.keyrings.active_session.keys, generateKeyringKey(T0)] };
    const other = createTokenService({
      source: { ...source, get: async () => rotated },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
    });
    const { token, kid } = await issueSession(other);
    source.pending.active_session = rotated;
    const verified = await service.verify('active_session', token);
    expect(verified.kid).toBe(kid);
    expect(source.refreshCalls).toEqual(['active_session']);
  });

  it('rejects a forged signature', async () => {
    const { service } = setup();
    const { token } = await issueSession(service);
    const [payload, footer] = parts(token);
    const bytes = Buffer.from(payload, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
    await expectInvalid(
      service.verify('active_session', `v4.public.${bytes.toString('base64url')}.${footer}`),
      'bad_signature',
    );
  });

  it('rejects a tampered payload', async () => {
    const { service } = setup();
    const { token } = await issueSession(service);
    const [payload, footer] = parts(token);
    const bytes = Buffer.from(payload, 'base64url');
    const text = bytes.subarray(0, -64).toString().replace('user-1', 'user-2');
    const forged = Buffer.concat([Buffer.from(text), bytes.subarray(-64)]).toString('base64url');
    await expectInvalid(service.verify('active_session', `v4.public.${forged}.${footer}`), 'bad_signature');
  });

  it('rejects a token re-signed with another key under a legitimate kid', async () => {
    const { source, service } = setup();
    const attacker = await importSigningKey(generateKeyringKey(T0).secretKey);
    const kid = source.keyrings.active_session.keys[0]?.kid;
    const forged = await signV4Public(
      attacker,
      {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'admin',
        jti: 'x',
        iat: T0.toISOString(),
        exp: new Date(T0.getTime() + 60_000).toISOString(),
      },
      { footer: JSON.stringify({ kid }), implicitAssertion: 'parley:active_session' },
    );
    await expectInvalid(service.verify('active_session', forged), 'bad_signature');
  });

  it('rejects truncated tokens', async () => {
    const { service } = setup();
    const { token } = await issueSession(service);
    const [payload, footer] = parts(token);
    await expectInvalid(service.verify('active_session', token.slice(0, -5)), 'malformed');
    await expectInvalid(service.verify('active_session', `v4.public.${payload}`), 'malformed');
    // Any cut through the payload or signature must fail, whatever the parser makes of it.
    for (let cut = 1; cut < payload.length; cut += 7) {
      await expectInvalid(service.verify('active_session', `v4.public.${payload.slice(0, -cut)}.${footer}`));
    }
    await expectInvalid(
      service.verify('active_session', `v4.public.${payload.slice(0, 40)}.${footer}`),
      'malformed',
    );
    await expectInvalid(service.verify('active_session', 'v4.public.'), 'malformed');
    await expectInvalid(service.verify('active_session', ''), 'malformed');
  });

  it('rejects v4.local, v2 and v3 tokens, even with a valid kid footer', async () => {
    const { service } = setup();
    const { token } = await issueSession(service);
    const [payload, footer] = parts(token);
    for (const header of ['v4.local', 'v2.public', 'v2.local', 'v3.public', 'v3.local', 'v1.public']) {
      await expectInvalid(service.verify('active_session', `${header}.${payload}.${footer}`), 'malformed');
    }
  });

  it('rejects an expired token, allowing only the small clock tolerance', async () => {
    let now = T0;
    const { service } = setup(() => now);
    const { token, expiresAt } = await issueSession(service);
    now = new Date(expiresAt.getTime() + 10_000);
    await expect(service.verify('active_session', token)).resolves.toBeDefined();
    now = new Date(expiresAt.getTime() + 60_000);
    await expectInvalid(service.verify('active_session', token), 'expired');
  });

  it('rejects a token issued in the future or not yet valid', async () => {
    let now = new Date(T0.getTime() + 3600_000);
    const { source, service } = setup(() => now);
    const { token } = await issueSession(service);
    now = T0;
    await expectInvalid(service.verify('active_session', token), 'not_yet_valid');

    const key = source.keyrings.active_session.keys[0];
    const signing = await importSigningKey(key?.secretKey ?? '');
    const withNbf = await signV4Public(
      signing,
      {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'user-1',
        jti: 'j',
        iat: T0.toISOString(),
        nbf: new Date(T0.getTime() + 600_000).toISOString(),
        exp: new Date(T0.getTime() + 3600_000).toISOString(),
      },
      { footer: JSON.stringify({ kid: key?.kid }), implicitAssertion: 'parley:active_session' },
    );
    await expectInvalid(service.verify('active_session', withNbf), 'not_yet_valid');
  });

  it('rejects a token for another audience or from another issuer', async () => {
    const { source, service } = setup();
    const { token } = await issueSession(service);
    const otherAudience = createTokenService({
      source,
      issuer: ISSUER,
      audience: 'https://evil.test',
      now: () => T0,
    });
    const otherIssuer = createTokenService({
      source,
      issuer: 'https://evil.test',
      audience: AUDIENCE,
      now: () => T0,
    });
    await expectInvalid(otherAudience.verify('active_session', token), 'wrong_audience');
    await expectInvalid(otherIssuer.verify('active_session', token), 'wrong_issuer');
  });

  it('rejects a token missing a required claim', async () => {
    const { source, service } = setup();
    const key = source.keyrings.active_session.keys[0];
    const signing = await importSigningKey(key?.secretKey ?? '');
    const noJti = await signV4Public(
      signing,
      {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'u',
        iat: T0.toISOString(),
        exp: new Date(T0.getTime() + 60_000).toISOString(),
      },
      { footer: JSON.stringify({ kid: key?.kid }), implicitAssertion: 'parley:active_session' },
    );
    await expectInvalid(service.verify('active_session', noJti), 'invalid_claims');
  });

  it('rejects a huge token before parsing it', async () => {
    const { source, service } = setup();
    const { token } = await issueSession(service);
    const [payload, footer] = parts(token);
    const huge = `v4.public.${'A'.repeat(MAX_TOKEN_LENGTH)}${payload}.${footer}`;
    await expectInvalid(service.verify('active_session', huge), 'too_large');
    expect(source.refreshCalls).toEqual([]);
  });

  it('rejects a tampered footer kid, a non-JSON footer and extra footer fields', async () => {
    const { source, service } = setup();
    const second = generateKeyringKey(T0);
    source.keyrings.active_session = { keys: [...source.keyrings.active_session.keys, second] };
    const older = createTokenService({
      source: { ...source, get: async () => ({ keys: source.keyrings.active_session.keys.slice(0, 1) }) },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
    });
    const { token, kid } = await issueSession(older);
    expect(kid).not.toBe(second.kid);
    const [payload] = parts(token);
    const footer = (value: string) => Buffer.from(value).toString('base64url');
    // Both kids are in the keyring: the footer is authenticated, so swapping it breaks the signature.
    await expectInvalid(
      service.verify('active_session', `v4.public.${payload}.${footer(JSON.stringify({ kid: second.kid }))}`),
      'bad_signature',
    );
    await expect(service.verify('active_session', token)).resolves.toBeDefined();
    for (const bad of [
      'not json',
      '{"kid":"k4.pid.short"}',
      JSON.stringify({ kid: kid, extra: 1 }),
      JSON.stringify({ kid: kid.replace('k4.pid.', 'k4.lid.') }),
      JSON.stringify([kid]),
      JSON.stringify({ kid: 'x'.repeat(500) }),
    ]) {
      await expectInvalid(
        service.verify('active_session', `v4.public.${payload}.${footer(bad)}`),
        'malformed',
      );
    }
  });

  it('refuses to issue with reserved extra claims or an over-long lifetime', async () => {
    const { service } = setup();
    const base = { subject: 'u', jti: 'j', ttlSeconds: 60 };
    await expect(service.issue('active_session', { ...base, claims: { sub: 'admin' } })).rejects.toThrow(
      TypeError,
    );
    await expect(service.issue('active_session', { ...base, claims: { exp: 1 } })).rejects.toThrow(TypeError);
    await expect(service.issue('active_session', { ...base, ttlSeconds: 24 * 3600 + 1 })).rejects.toThrow(
      TypeError,
    );
    await expect(service.issue('active_session', { ...base, ttlSeconds: 0 })).rejects.toThrow(TypeError);
    await expect(service.issue('active_session', { ...base, subject: '' })).rejects.toThrow(TypeError);
    await expect(service.issue('nope' as TokenPurpose, base)).rejects.toThrow(TypeError);
  });

  it('knows which keys its keyrings hold, and reports keys that disappear between two loads', async () => {
    const { source, service } = setup();
    const retired: [TokenPurpose, readonly string[]][] = [];
    const stop = service.onKeysRetired((purpose, kids) => retired.push([purpose, kids]));
    const issued = await issueSession(service);
    expect(await service.hasKey('active_session', issued.kid)).toBe(true);
    expect(await service.hasKey('verify_email_session', issued.kid)).toBe(false);

    // A rotation that keeps the old key retires nothing.
    const added = generateKeyringKey(T0);
    source.keyrings.active_session = { keys: [...source.keyrings.active_session.keys, added] };
    expect(await service.hasKey('active_session', issued.kid)).toBe(true);
    expect(retired).toEqual([]);

    // Dropping it is reported once, with its kid, at the next load; the token no longer verifies.
    source.keyrings.active_session = { keys: [added] };
    expect(await service.hasKey('active_session', issued.kid)).toBe(false);
    expect(retired).toEqual([['active_session', [issued.kid]]]);
    await expectInvalid(service.verify('active_session', issued.token), 'unknown_kid');
    expect(retired).toHaveLength(1);

    stop();
    source.keyrings.active_session = { keys: [generateKeyringKey(T0)] };
    await service.hasKey('active_session', added.kid);
    expect(retired).toHaveLength(1);
  });

  it('a failing key-retirement listener does not fail the token operation that noticed', async () => {
    const { source, service } = setup();
    service.onKeysRetired(() => {
      throw new Error('listener bug');
    });
    await issueSession(service);
    source.keyrings.active_session = { keys: [generateKeyringKey(T0)] };
    const fresh = await issueSession(service);
    expect((await service.verify('active_session', fresh.token)).sub).toBe('user-1');
  });
});
