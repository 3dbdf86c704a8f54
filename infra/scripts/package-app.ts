// Builds the monorepo and stages the two deployables that `cdk deploy` uploads as assets:
//   infra/build/app   the API (compiled) with its production node_modules installed for the instances'
//                     platform (linux-arm64, glibc), the RDS CA bundle and parley-bundle.json. Instances
//                     run it as is: no npm, no compiler and no download at boot.
//   infra/build/site  the single-page app for the CloudFront site bucket
// Usage: npm run package:app -w @parley/infra            (add `-- --skip-build` to reuse the last build)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { finishBundle, materializeLinks, productionInstallArgs, TARGET_PLATFORM } from './app-bundle.js';

const started = Date.now();
const repo = path.resolve(import.meta.dirname, '../..');
const appOut = path.join(repo, 'infra/build/app');
const siteOut = path.join(repo, 'infra/build/site');

function copy(relative: string, into: string): void {
  const from = path.join(repo, relative);
  if (!existsSync(from)) throw new Error(`missing ${relative}: did the build succeed?`);
  cpSync(from, path.join(into, relative), { recursive: true });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

if (!process.argv.includes('--skip-build'))
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });

rmSync(appOut, { recursive: true, force: true });
rmSync(siteOut, { recursive: true, force: true });
mkdirSync(appOut, { recursive: true });

// npm ci checks the lockfile against every workspace manifest, so all manifests travel along.
const root = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { workspaces: string[] };
for (const file of ['package.json', 'package-lock.json']) copy(file, appOut);
for (const workspace of root.workspaces) copy(path.join(workspace, 'package.json'), appOut);
for (const built of ['packages/contract/dist', 'apps/api/dist', 'apps/api/assets', 'apps/web/dist']) {
  if (existsSync(path.join(repo, built))) copy(built, appOut);
}

// Production dependencies of the API for the instances, from the lockfile (integrity-checked).
execFileSync('npm', productionInstallArgs(), { cwd: appOut, stdio: 'inherit' });
materializeLinks(appOut);
const manifest = finishBundle(appOut, { gitCommit: gitCommit(), now: new Date() });

cpSync(path.join(repo, 'apps/web/dist'), siteOut, { recursive: true });
const size = execFileSync('du', ['-sh', appOut], { encoding: 'utf8' }).split('\t')[0];
console.log(
  `staged ${path.relative(repo, appOut)} (${size}, ${TARGET_PLATFORM}, commit ${manifest.gitCommit.slice(0, 12)}) ` +
    `and ${path.relative(repo, siteOut)} in ${Math.round((Date.now() - started) / 1000)} s`,
);
