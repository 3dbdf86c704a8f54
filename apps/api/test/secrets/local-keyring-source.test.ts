import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLocalKeyringSource,
  rotateLocalKeyrings,
} from '../../src/platform/secrets/local-keyring.source.js';
import { parseKeyringData } from '../../src/platform/tokens/keyring.js';
import { createTokenService } from '../../src/platform/tokens/token.service.js';
import { TOKEN_PURPOSES } from '../../src/platform/tokens/token.types.js';

const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-keys-'));
  file = path.join(dir, 'data', 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async () => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const kidsOf = async (source: ReturnType<typeof createLocalKeyringSource>) =>
  Promise.all(TOKEN_PURPOSES.map(async (purpose) => (await source.get(purpose)).keys.map((key) => key.kid)));

describe('local keyring source', () => {
  it('creates data/secrets.json with mode 0600 and one valid key per purpose', async () => {
    const source = createLocalKeyringSource({ file });
    await source.get('active_session');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const json = (await readJson()) as { keyrings: Record<string, unknown> };
    expect(Object.keys(json.keyrings).sort()).toEqual([...TOKEN_PURPOSES].sort());
    const kids = new Set<string>();
    for (const purpose of TOKEN_PURPOSES) {
      const keyring = parseKeyringData(json.keyrings[purpose], purpose);
      expect(keyring.keys).toHaveLength(1);
      for (const key of keyring.keys) kids.add(key.kid);
    }
    expect(kids.size).toBe(3); // a separate key per purpose
  });

  it('reuses the file on the next start, so tokens survive a restart', async () => {
    const first = createLocalKeyringSource({ file });
    const service = createTokenService({ source: first, issuer: 'i', audience: 'a' });
    const { token } = await service.issue('active_session', { subject: 'u', jti: 'j', ttlSeconds: 60 });
    const before = await readFile(file, 'utf8');

    const second = createLocalKeyringSource({ file });
    expect(await kidsOf(second)).toEqual(await kidsOf(first));
    const restarted = createTokenService({ source: second, issuer: 'i', audience: 'a' });
    await expect(restarted.verify('active_session', token)).resolves.toMatchObject({ sub: 'u' });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('two processes starting together agree on one set of keys', async () => {
    const [a, b] = [createLocalKeyringSource({ file }), createLocalKeyringSource({ file })];
    const [kidsA, kidsB] = await Promise.all([kidsOf(a), kidsOf(b)]);
    expect(kidsA).toEqual(kidsB);
  });

  it('tightens an existing file to 0600', async () => {
    await createLocalKeyringSource({ file }).get('active_session');
    await chmod(file, 0o644);
    await createLocalKeyringSource({ file }).get('active_session');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('preserves unknown top-level entries when adding keyrings and when rotating', async () => {
    await createLocalKeyringSource({ file }).get('active_session');
    const { keyrings } = (await readJson()) as { keyrings: Record<string, unknown> };
    await writeFile(
      file,
      JSON.stringify({ smtp: { url: 'smtp://x' }, keyrings: { active_session: keyrings.active_session } }),
    );

    const source = createLocalKeyringSource({ file });
    await source.get('verify_email_session');
    let json = (await readJson()) as { smtp: unknown; keyrings: Record<string, unknown> };
    expect(json.smtp).toEqual({ url: 'smtp://x' });
    expect(json.keyrings.active_session).toEqual(keyrings.active_session); // kept, not regenerated
    expect(Object.keys(json.keyrings).sort()).toEqual([...TOKEN_PURPOSES].sort());

    await rotateLocalKeyrings(file);
    json = (await readJson()) as { smtp: unknown; keyrings: Record<string, unknown> };
    expect(json.smtp).toEqual({ url: 'smtp://x' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('notices a rotation by `keys:rotate` while running: old tokens still verify, new ones use the new key', async () => {
    const source = createLocalKeyringSource({ file });
    const service = createTokenService({ source, issuer: 'i', audience: 'a' });
    const old = await service.issue('active_session', { subject: 'u', jti: 'j1', ttlSeconds: 3600 });

    const { stdout } = await run(
      process.execPath,
      ['--conditions=parley-source', '--import', 'tsx', 'src/cli/keys-rotate.ts'],
      { cwd: apiDir, env: { PATH: process.env.PATH ?? '', DATA_DIR: path.dirname(file) } },
    );
    expect(stdout).toMatch(/active_session: signing with k4\.pid\./);
    expect(stdout).not.toMatch(/k4\.secret/);

    const fresh = await service.issue('active_session', { subject: 'u', jti: 'j2', ttlSeconds: 3600 });
    expect(fresh.kid).not.toBe(old.kid);
    await expect(service.verify('active_session', old.token)).resolves.toMatchObject({ kid: old.kid });
    await expect(service.verify('active_session', fresh.token)).resolves.toMatchObject({ kid: fresh.kid });

    // The running source now holds the old key (for its live tokens) and the new signer.
    expect((await source.get('active_session')).keys.map((k) => k.kid)).toEqual([old.kid, fresh.kid]);
  });

  it('keeps the last good keyrings when the file turns bad, and reports without leaking content', async () => {
    const errors: unknown[] = [];
    const source = createLocalKeyringSource({ file, onError: (error) => errors.push(error) });
    const before = await source.get('active_session');
    const secret = before.keys[0]?.secretKey ?? '';
    await writeFile(file, `{"keyrings": ${JSON.stringify({ active_session: before })} oops`);
    await expect(source.get('active_session')).resolves.toEqual(before);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).not.toContain(secret.slice(10, 40));
  });

  it('refuses to start from a corrupt file, naming no secret', async () => {
    await createLocalKeyringSource({ file }).get('active_session');
    const json = (await readJson()) as { keyrings: Record<string, { keys: { secretKey: string }[] }> };
    const key = json.keyrings.active_session?.keys[0];
    if (!key) throw new Error('no key');
    const secret = key.secretKey;
    key.secretKey = `${secret.slice(0, -4)}AAAA`;
    await writeFile(file, JSON.stringify(json));
    const error = await createLocalKeyringSource({ file })
      .get('active_session')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/active_session/);
    expect(String(error)).not.toContain(secret.slice(10, 40));
  });
});
