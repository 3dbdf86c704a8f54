import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findSymlinks,
  finishBundle,
  materializeLinks,
  productionInstallArgs,
  REQUIRED_PLATFORM_PACKAGES,
} from '../scripts/app-bundle.js';

function write(dir: string, file: string, content = '{}\n'): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), content);
}

/** A staged bundle as package-app.ts leaves it right after `npm ci` (workspace links, .bin). */
function stagedBundle(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bundle-test-'));
  write(dir, 'package.json', '{"engines":{"node":">=20.19"}}\n');
  write(dir, 'package-lock.json', '{"lockfileVersion":3}\n');
  write(dir, 'apps/api/dist/main.js', "console.log('api');\n");
  write(dir, 'packages/contract/package.json', '{"name":"@parley/contract"}\n');
  write(dir, 'packages/contract/dist/index.js', 'export {};\n');
  for (const pkg of REQUIRED_PLATFORM_PACKAGES) write(dir, `node_modules/${pkg}/package.json`);
  write(dir, 'node_modules/fastify/package.json');
  mkdirSync(path.join(dir, 'node_modules/@parley'), { recursive: true });
  symlinkSync('../../packages/contract', path.join(dir, 'node_modules/@parley/contract'));
  symlinkSync('../../apps/api', path.join(dir, 'node_modules/@parley/api'));
  mkdirSync(path.join(dir, 'node_modules/.bin'));
  symlinkSync('../fastify/package.json', path.join(dir, 'node_modules/.bin/fastify'));
  return dir;
}

describe('app bundle', () => {
  it('installs only the runtime workspaces, production dependencies, for linux-arm64 glibc, compiling nothing', () => {
    expect(productionInstallArgs()).toEqual([
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--os=linux',
      '--cpu=arm64',
      '--libc=glibc',
      '--workspace=@parley/api',
      '--workspace=@parley/contract',
    ]);
  });

  it('replaces workspace links by copies, drops the API self-link and .bin, and leaves no link', () => {
    const dir = stagedBundle();
    expect(findSymlinks(dir).sort()).toEqual([
      'node_modules/.bin/fastify',
      'node_modules/@parley/api',
      'node_modules/@parley/contract',
    ]);
    materializeLinks(dir);
    expect(findSymlinks(dir)).toEqual([]);
    expect(lstatSync(path.join(dir, 'node_modules/@parley/contract')).isDirectory()).toBe(true);
    expect(readFileSync(path.join(dir, 'node_modules/@parley/contract/dist/index.js'), 'utf8')).toBe(
      'export {};\n',
    );
    expect(existsSync(path.join(dir, 'node_modules/@parley/api'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules/.bin'))).toBe(false);
  });

  it('refuses a link that leads out of the bundle', () => {
    const dir = stagedBundle();
    symlinkSync(tmpdir(), path.join(dir, 'node_modules/escape'));
    expect(() => materializeLinks(dir)).toThrow(/points outside the bundle/);
  });

  it('writes the manifest the boot script checks and the RDS CA bundle', () => {
    const dir = stagedBundle();
    materializeLinks(dir);
    const manifest = finishBundle(dir, { gitCommit: 'abc123', now: new Date('2026-06-01T00:00:00Z') });
    expect(manifest).toMatchObject({
      platform: 'linux-arm64',
      productionDependencies: true,
      node: '>=20.19',
      gitCommit: 'abc123',
      builtAt: '2026-06-01T00:00:00.000Z',
    });
    expect(manifest.lockfileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(path.join(dir, 'parley-bundle.json'), 'utf8'))).toEqual(manifest);
    const ca = readFileSync(path.join(dir, 'rds-ca.pem'), 'utf8');
    expect(ca.match(/-----BEGIN CERTIFICATE-----/g)?.length).toBeGreaterThan(10);
  });

  it('refuses a bundle without its platform package, its contract copy or with links left, naming each', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-bundle-bad-'));
    write(dir, 'package.json');
    write(dir, 'package-lock.json');
    symlinkSync('/etc', path.join(dir, 'link'));
    expect(() => finishBundle(dir, { gitCommit: 'x', now: new Date() })).toThrow(
      /main\.js is missing[\s\S]*argon2-linux-arm64-gnu is missing[\s\S]*@parley\/contract is missing[\s\S]*symbolic links left: link/,
    );
    expect(existsSync(path.join(dir, 'parley-bundle.json'))).toBe(false);
  });
});
