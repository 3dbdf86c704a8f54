import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsMfaKeySource } from '../../src/platform/secrets/aws-mfa-key.source.js';
import { createLocalKeyringSource } from '../../src/platform/secrets/local-keyring.source.js';
import { createLocalMfaKeySource } from '../../src/platform/secrets/local-mfa-key.source.js';
import { MfaCipher } from '../../src/platform/secrets/mfa-cipher.js';
import { mfaKeyring } from '../../src/platform/secrets/mfa-keys.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-mfa-keys-'));
  file = path.join(dir, 'data', 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async () => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const OLD = 'old-material-0123456789-abcdefghijklmnop';
const NEW = 'new-material-0123456789-abcdefghijklmnop';

describe('the local MFA key (mfa_encryption in data/secrets.json)', () => {
  it('is generated on first use beside the keyrings, mode 0600, and kept across restarts', async () => {
    const keyrings = createLocalKeyringSource({ file });
    await keyrings.get('active_session');
    const cipher = new MfaCipher(createLocalMfaKeySource({ file }));
    const sealed = await cipher.seal('JBSWY3DPEHPK3PXP', 'user-1');
    const json = await readJson();
    expect(typeof json.mfa_encryption).toBe('string');
    expect(Buffer.from(json.mfa_encryption as string, 'base64url')).toHaveLength(32);
    expect(Object.keys(json).sort()).toEqual(['keyrings', 'mfa_encryption']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The keyrings were kept as they were, and a restart opens what was sealed before.
    const again = createLocalKeyringSource({ file });
    expect((await again.get('active_session')).keys).toEqual((await keyrings.get('active_session')).keys);
    const restarted = new MfaCipher(createLocalMfaKeySource({ file }));
    expect((await restarted.open(sealed, 'user-1')).plaintext).toBe('JBSWY3DPEHPK3PXP');
  });

  it('opens values sealed under an older key after a rotation, and says they are not current', async () => {
    const keys = createLocalMfaKeySource({ file });
    await keys.get();
    const data = await readJson();
    await writeFile(file, JSON.stringify({ ...data, mfa_encryption: OLD }), { mode: 0o600 });
    const cipher = new MfaCipher(keys);
    const sealed = await cipher.seal('secret', 'u');
    const [oldMac] = await cipher.macs('code');
    await writeFile(file, JSON.stringify({ ...data, mfa_encryption: [OLD, NEW] }), { mode: 0o600 });
    expect(await cipher.open(sealed, 'u')).toEqual({ plaintext: 'secret', current: false });
    const resealed = await cipher.seal('secret', 'u');
    expect(await cipher.open(resealed, 'u')).toEqual({ plaintext: 'secret', current: true });
    expect(resealed.split('.')[1]).not.toBe(sealed.split('.')[1]);
    // Hashes under every known key, the current key's first: an old code is still found.
    const macs = await cipher.macs('code');
    expect(macs).toHaveLength(2);
    expect(macs[1]).toBe(oldMac);
    expect(macs[0]).not.toBe(oldMac);
  });

  it('refuses material that is too short or not a string, without quoting it', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ mfa_encryption: 'short-secret' }), { mode: 0o600 });
    const error = await createLocalMfaKeySource({ file })
      .get()
      .catch((e: unknown) => e as Error);
    expect(String(error)).toMatch(/at least 32 characters/);
    expect(String(error)).not.toContain('short-secret');
    await writeFile(file, JSON.stringify({ mfa_encryption: { key: OLD } }), { mode: 0o600 });
    await expect(createLocalMfaKeySource({ file }).get()).rejects.toThrow(/string or a list of strings/);
  });
});

describe('sealing', () => {
  const keyring = mfaKeyring([NEW], 'test');
  const cipher = new MfaCipher({ get: async () => keyring, refresh: async () => keyring, close: () => {} });

  it('uses a fresh nonce each time and binds the value to its owner', async () => {
    const a = await cipher.seal('JBSWY3DPEHPK3PXP', 'alice');
    const b = await cipher.seal('JBSWY3DPEHPK3PXP', 'alice');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    await expect(cipher.open(a, 'bob')).rejects.toThrow(/does not open/);
    for (const broken of [
      '',
      'v1',
      'v2.a.b.c',
      `${a}.extra`,
      a.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      await expect(cipher.open(broken, 'alice'), broken).rejects.toThrow();
    }
  });

  it('derives different keys for sealing and hashing, and a kid that is not the material', () => {
    expect(keyring.current.sealKey.equals(keyring.current.macKey)).toBe(false);
    expect(keyring.current.kid).toMatch(/^[\w-]{12}$/);
    expect(NEW).not.toContain(keyring.current.kid);
  });
});

describe('the AWS MFA key (SECRET_ID_MFA_ENCRYPTION)', () => {
  const sm = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const ID = 'parley/mfa/encryption';
  afterEach(() => sm.reset());

  it('seals with AWSCURRENT and still opens what AWSPREVIOUS sealed', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: OLD,
    });
    sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSPREVIOUS' }).rejects(
      new ResourceNotFoundException({ message: 'no previous', $metadata: {} }),
    );
    const source = createAwsMfaKeySource({ client, secretId: ID });
    const cipher = new MfaCipher(source);
    const sealed = await cipher.seal('secret', 'u');

    // A rotation elsewhere: a value names a kid this instance has not loaded, so it reloads at once.
    const other = new MfaCipher(createAwsMfaKeySource({ client, secretId: ID }));
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: NEW,
    });
    sm.on(GetSecretValueCommand, { SecretId: ID, VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: OLD,
    });
    const newer = await other.seal('fresh', 'u');
    expect(await cipher.open(newer, 'u')).toEqual({ plaintext: 'fresh', current: true });
    expect(await cipher.open(sealed, 'u')).toEqual({ plaintext: 'secret', current: false });
    source.close();
  });

  it('fails to start without the secret rather than inventing a key', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(createAwsMfaKeySource({ client, secretId: ID }).get()).rejects.toThrow();
  });
});
