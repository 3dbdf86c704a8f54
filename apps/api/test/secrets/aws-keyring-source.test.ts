import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsKeyringSource } from '../../src/platform/secrets/aws-keyring.source.js';
import { getSecretJson } from '../../src/platform/secrets/aws-secret-json.js';
import { generateKeyringKey } from '../../src/platform/tokens/paserk.js';
import { createTokenService, InvalidTokenError } from '../../src/platform/tokens/token.service.js';
import type { KeyringData, KeyringSource, TokenPurpose } from '../../src/platform/tokens/token.types.js';

const sm = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const secretIds: Record<TokenPurpose, string> = {
  active_session: 'parley/keys/active-session',
  verify_email_session: 'parley/keys/verify-email-session',
  password_reset_session: 'parley/keys/password-reset-session',
};
const ID = secretIds.active_session;
const T0 = new Date('2026-05-01T00:00:00.000Z');
const k1 = generateKeyringKey(T0);
const k2 = generateKeyringKey(new Date(T0.getTime() + 30 * 86_400_000));

const notFound = () =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret value",
    $metadata: {},
  });

/** Stages the secret of one purpose; other purposes get a single fresh key each. */
function stage(current: KeyringData, previous?: KeyringData) {
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ keys: [generateKeyringKey(T0)] }) });
  sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSCURRENT' }).resolves({
    SecretString: JSON.stringify(current),
  });
  const prev = sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSPREVIOUS' });
  if (previous) prev.resolves({ SecretString: JSON.stringify(previous) });
  else prev.rejects(notFound());
}

const callsFor = (stageName?: string) =>
  sm
    .commandCalls(GetSecretValueCommand)
    .filter(
      (call) =>
        call.args[0].input.SecretId === ID && (!stageName || call.args[0].input.VersionStage === stageName),
    ).length;

let sources: KeyringSource[] = [];
function makeSource(extra: { onError?: (error: unknown) => void } = {}) {
  const source = createAwsKeyringSource({ client, secretIds, ...extra });
  sources.push(source);
  return source;
}

beforeEach(() => {
  sm.reset();
  vi.useFakeTimers({
    now: T0,
    toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
  });
});
afterEach(() => {
  for (const source of sources) source.close();
  sources = [];
  vi.useRealTimers();
});

describe('AWS Secrets Manager keyring source', () => {
  it('loads AWSCURRENT and AWSPREVIOUS, merging keys by kid with the current signer last', async () => {
    stage({ keys: [k2] }, { keys: [k1] });
    const data = await makeSource().get('active_session');
    expect(data.keys.map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    expect(callsFor('AWSCURRENT')).toBe(1);
    expect(callsFor('AWSPREVIOUS')).toBe(1);
  });

  it('does not duplicate keys present in both versions, and works without AWSPREVIOUS', async () => {
    stage({ keys: [k1, k2] }, { keys: [k1] });
    expect((await makeSource().get('active_session')).keys.map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    sm.reset();
    stage({ keys: [k1] });
    expect((await makeSource().get('active_session')).keys.map((k) => k.kid)).toEqual([k1.kid]);
  });

  it('verifies tokens of the AWSPREVIOUS key and signs with the newest AWSCURRENT key', async () => {
    stage({ keys: [k1] });
    const before = createTokenService({ source: makeSource(), issuer: 'i', audience: 'a' });
    const old = await before.issue('active_session', { subject: 'u', jti: 'j', ttlSeconds: 3600 });
    expect(old.kid).toBe(k1.kid);

    sm.reset();
    stage({ keys: [k2] }, { keys: [k1] }); // rotation Lambda replaced the keyring
    const after = createTokenService({ source: makeSource(), issuer: 'i', audience: 'a' });
    await expect(after.verify('active_session', old.token)).resolves.toMatchObject({ kid: k1.kid });
    expect((await after.issue('active_session', { subject: 'u', jti: 'k', ttlSeconds: 60 })).kid).toBe(
      k2.kid,
    );
  });

  it('caches: repeated and concurrent gets make one pair of calls', async () => {
    stage({ keys: [k1] });
    const source = makeSource();
    await Promise.all([source.get('active_session'), source.get('active_session')]);
    await source.get('active_session');
    expect(callsFor()).toBe(2);
  });

  it('throttles refresh() to one reload per gap', async () => {
    stage({ keys: [k1] });
    const source = makeSource();
    await source.get('active_session');
    // The first refresh() reloads even right after the initial load: a just-rotated key must not wait.
    await source.refresh('active_session');
    expect(callsFor()).toBe(4);
    await source.refresh('active_session');
    await vi.advanceTimersByTimeAsync(29_000);
    await source.refresh('active_session');
    expect(callsFor()).toBe(4);
    await vi.advanceTimersByTimeAsync(1_000);
    await source.refresh('active_session');
    await source.refresh('active_session');
    expect(callsFor()).toBe(6);
  });

  it('on an unknown kid refreshes once and then fails closed', async () => {
    stage({ keys: [k1] });
    const service = createTokenService({ source: makeSource(), issuer: 'i', audience: 'a' });
    await service.issue('active_session', { subject: 'u', jti: 'j', ttlSeconds: 60 });
    const strangerKey = { keys: [generateKeyringKey(T0)] };
    const stranger = createTokenService({
      source: { get: async () => strangerKey, refresh: async () => strangerKey, close() {} },
      issuer: 'i',
      audience: 'a',
    });
    const { token } = await stranger.issue('active_session', { subject: 'u', jti: 'j', ttlSeconds: 60 });
    const first = await service.verify('active_session', token).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(InvalidTokenError);
    expect((first as InvalidTokenError).reason).toBe('unknown_kid');
    expect(callsFor()).toBe(4); // initial load + exactly one refresh
    // A burst of unknown kids does not turn into a burst of Secrets Manager calls.
    for (let i = 0; i < 5; i++)
      await expect(service.verify('active_session', token)).rejects.toThrow(InvalidTokenError);
    expect(callsFor()).toBe(4);
  });

  it('picks up a new key through refresh() when a token names it', async () => {
    stage({ keys: [k1] });
    const service = createTokenService({ source: makeSource(), issuer: 'i', audience: 'a' });
    await service.issue('active_session', { subject: 'u', jti: 'j', ttlSeconds: 60 });
    sm.reset();
    stage({ keys: [k1, k2] }, { keys: [k1] });
    const rotated = { keys: [k1, k2] };
    const newer = createTokenService({
      source: { get: async () => rotated, refresh: async () => rotated, close() {} },
      issuer: 'i',
      audience: 'a',
    });
    const { token } = await newer.issue('active_session', { subject: 'u', jti: 'n', ttlSeconds: 600 });
    await expect(service.verify('active_session', token)).resolves.toMatchObject({ kid: k2.kid });
  });

  it('reloads on its timer and stops when closed', async () => {
    stage({ keys: [k1] });
    const source = makeSource();
    await source.get('active_session');
    sm.reset();
    stage({ keys: [k1, k2] }, { keys: [k1] });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect((await source.get('active_session')).keys.map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    expect(callsFor()).toBe(2);
    source.close();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(callsFor()).toBe(2);
  });

  it('keeps the last good keyring when a reload fails, and reports it without secrets', async () => {
    stage({ keys: [k1] });
    const errors: unknown[] = [];
    const source = makeSource({ onError: (error) => errors.push(error) });
    const good = await source.get('active_session');
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(await source.get('active_session')).toEqual(good);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await source.refresh('active_session')).toEqual(good);

    // A malformed new version is a failed reload too, and its content is not echoed.
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretString: `{"keys":[${JSON.stringify(k2)}` });
    errors.length = 0;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(await source.get('active_session')).toEqual(good);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(String(error)).not.toContain(k2.secretKey.slice(10, 40));
  });

  it('fails (rather than inventing keys) when there is no good keyring yet', async () => {
    sm.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    const failing = makeSource();
    await expect(failing.get('active_session')).rejects.toThrow('AccessDeniedException');
    // Without a keyring, a burst of requests does not become a burst of calls; it retries after a second.
    await expect(failing.get('active_session')).rejects.toThrow('AccessDeniedException');
    expect(callsFor()).toBe(2);
    sm.reset();
    stage({ keys: [k1] });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(failing.get('active_session')).resolves.toEqual({ keys: [k1] });
    sm.reset();
    stage({ keys: [{ ...k1, kid: k2.kid }] });
    await expect(makeSource().get('active_session')).rejects.toThrow(/kid does not match/);
  });
});

describe('getSecretJson', () => {
  it('reads a stage, and refuses non-JSON or binary secrets without echoing them', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'x', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: '{"a":1}',
    });
    await expect(getSecretJson(client, 'x', 'AWSPREVIOUS')).resolves.toEqual({ a: 1 });
    sm.on(GetSecretValueCommand, { SecretId: 'y' }).resolves({ SecretString: 'hunter2-not-json' });
    const error = await getSecretJson(client, 'y').catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/not valid JSON/);
    expect(String(error)).not.toContain('hunter2');
    sm.on(GetSecretValueCommand, { SecretId: 'z' }).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(getSecretJson(client, 'z')).rejects.toThrow(/no string value/);
  });
});
