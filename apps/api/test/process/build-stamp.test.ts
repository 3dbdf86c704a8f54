import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUILD_INPUTS,
  BUILD_OUTPUTS,
  buildState,
  removeStamp,
  STAMP_FILE,
  writeStamp,
} from '../../../../scripts/build.mjs';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** `npm start` builds only when this says the build is not fresh (scripts/build.mjs --if-stale). */
describe('is the build up to date (npm start)', () => {
  let root: string;

  function put(file: string, content: string): void {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }

  /** A repository-shaped folder, built once: sources, outputs and the stamp of that build. */
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'parley-build-stamp-'));
    put('package.json', '{"name":"parley"}');
    put('package-lock.json', '{}');
    put('tsconfig.base.json', '{}');
    put('packages/contract/src/index.ts', 'export const a = 1;');
    put('apps/api/src/main.ts', 'console.log("api");');
    put('apps/api/src/modules/x.test.ts', 'test');
    put('apps/web/src/main.tsx', 'render();');
    put('apps/web/index.html', '<html></html>');
    put('apps/web/vite.config.ts', 'export default {};');
    for (const output of BUILD_OUTPUTS) put(output, 'built');
    writeStamp(root, buildState(root).hash);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const state = () => buildState(root);

  it('is fresh right after a build, and when files are rewritten with the same content (a checkout)', () => {
    expect(state()).toMatchObject({ fresh: true });
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'apps/api/src/main.ts'), later, later);
    put('apps/web/src/main.tsx', 'render();');
    expect(state()).toMatchObject({ fresh: true });
  });

  it.each([
    ['an edited API source', () => put('apps/api/src/main.ts', 'console.log("changed");')],
    ['an edited web source', () => put('apps/web/src/main.tsx', 'render(2);')],
    ['an edited contract', () => put('packages/contract/src/index.ts', 'export const a = 2;')],
    ['a new source file', () => put('apps/api/src/modules/new.ts', 'export {};')],
    ['a removed source file', () => rmSync(path.join(root, 'apps/web/src/main.tsx'))],
    [
      'a renamed source file',
      () => {
        rmSync(path.join(root, 'apps/api/src/main.ts'));
        put('apps/api/src/server.ts', 'console.log("api");');
      },
    ],
    ['changed dependencies', () => put('package-lock.json', '{"lockfileVersion":3}')],
    ['a changed build configuration', () => put('apps/web/vite.config.ts', 'export default { x: 1 };')],
    ['a new public asset', () => put('apps/web/public/favicon.svg', '<svg/>')],
  ])('is stale after %s, and fresh again once it is built', (_name, change) => {
    change();
    const stale = state();
    expect(stale).toMatchObject({ fresh: false, reason: 'sources changed since the last build' });
    writeStamp(root, stale.hash);
    expect(state()).toMatchObject({ fresh: true });
  });

  it('ignores what the build does not read: tests, docs, other folders', () => {
    put('apps/api/src/modules/x.test.ts', 'test changed');
    put('apps/web/src/App.test.tsx', 'a web test');
    put('README.md', '# changed');
    put('apps/api/test/helper.ts', 'export {};');
    put('e2e/tests/a.test.ts', 'x');
    expect(state()).toMatchObject({ fresh: true });
  });

  it('is stale when an output is missing, whatever the stamp says', () => {
    rmSync(path.join(root, 'apps/web/dist/index.html'));
    expect(state()).toMatchObject({ fresh: false, reason: 'apps/web/dist/index.html is missing' });
  });

  it('is stale without a stamp (a fresh clone, or a build that failed or was interrupted)', () => {
    removeStamp(root);
    expect(existsSync(path.join(root, STAMP_FILE))).toBe(false);
    expect(state()).toMatchObject({ fresh: false, reason: 'no stamp of a previous build' });
  });

  it('stamps the hash of the sources, not of anything else', () => {
    const { hash } = state();
    expect(readFileSync(path.join(root, STAMP_FILE), 'utf8').trim()).toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names inputs that exist in this repository (a renamed config file must be listed again)', () => {
    const missing = BUILD_INPUTS.filter((input) => !existsSync(path.join(repoRoot, input)));
    expect(missing).toEqual([]);
  });

  it('is what npm start runs before the server, while npm run build always builds', () => {
    const scripts = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).scripts;
    expect(scripts.start).toBe('node scripts/build.mjs --if-stale && node apps/api/dist/main.js');
    expect(scripts.build).toBe('node scripts/build.mjs');
  });
});
