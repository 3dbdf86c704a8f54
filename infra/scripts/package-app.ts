// Builds the monorepo and stages the two deployables that `cdk deploy` uploads as assets:
//   infra/build/app   the API (compiled) + manifests and lockfile; instances run `npm ci --omit=dev`
//                     on arm64 themselves, so native modules match the host
//   infra/build/site  the single-page app for the CloudFront site bucket
// Usage: npm run package:app -w @parley/infra
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const appOut = path.join(repo, 'infra/build/app');
const siteOut = path.join(repo, 'infra/build/site');

function copy(relative: string, into: string): void {
  const from = path.join(repo, relative);
  if (!existsSync(from)) throw new Error(`missing ${relative}: did the build succeed?`);
  cpSync(from, path.join(into, relative), { recursive: true });
}

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
if (!existsSync(path.join(appOut, 'apps/api/dist/main.js')))
  throw new Error('apps/api/dist/main.js was not built');

cpSync(path.join(repo, 'apps/web/dist'), siteOut, { recursive: true });
console.log(`staged ${path.relative(repo, appOut)} and ${path.relative(repo, siteOut)}`);
