// `npm run build` builds the contract and the API (`tsc -b`) and the web app (`vite build`), every time.
// `npm start` runs this with `--if-stale`: it builds only when what the build reads changed since the
// last successful build, so a second start goes straight to the server (issue 15, target 5).
//
// "Changed" is decided by content, not by mtimes: a SHA-256 over the path and bytes of every build input
// (BUILD_INPUTS) is stored in STAMP_FILE after a successful build, and the build is fresh when the hash
// of the inputs now equals it and every output in BUILD_OUTPUTS exists. A checkout that rewrites files
// with the same content does not rebuild; any edited, added or removed source does. The stamp is
// removed before building, so an interrupted or failed build never looks fresh.
//
// Plain JavaScript (no tsx) so the check itself costs a few tens of milliseconds; its types are in
// build.d.mts for the tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything the build reads, relative to the repository root: files, and folders read whole. */
export const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'packages/contract/package.json',
  'packages/contract/tsconfig.json',
  'packages/contract/src',
  'apps/api/package.json',
  'apps/api/tsconfig.json',
  'apps/api/src',
  'apps/web/package.json',
  'apps/web/tsconfig.json',
  'apps/web/vite.config.ts',
  'apps/web/index.html',
  'apps/web/src',
  'apps/web/public',
];

/** What `npm start` runs and serves: when one is missing the build is not fresh, whatever the stamp says. */
export const BUILD_OUTPUTS = [
  'packages/contract/dist/index.js',
  'apps/api/dist/main.js',
  'apps/web/dist/index.html',
];

/** Where the hash of the inputs of the last successful build is kept. */
export const STAMP_FILE = 'apps/api/dist/.build-stamp';

/** Tests are not compiled (tsconfig excludes them) nor bundled (nothing imports them). */
const IGNORED = /\.test\.tsx?$/;

function listFiles(root, relative) {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const child = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) return listFiles(root, child);
    return entry.isFile() && !IGNORED.test(entry.name) ? [child] : [];
  });
}

/** SHA-256 (hex) over the relative path and the bytes of every build input, in a fixed order. */
export function sourceHash(root, inputs = BUILD_INPUTS) {
  const hash = createHash('sha256');
  const files = [...new Set(inputs.flatMap((input) => listFiles(root, input)))].sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Whether the outputs are the build of the inputs as they are now; `reason` says why not. `hash` is the
 * inputs' hash, to be stamped once a build of them succeeded.
 */
export function buildState(root, options = {}) {
  const inputs = options.inputs ?? BUILD_INPUTS;
  const outputs = options.outputs ?? BUILD_OUTPUTS;
  const stampFile = path.join(root, options.stampFile ?? STAMP_FILE);
  const hash = sourceHash(root, inputs);
  const missing = outputs.find((output) => !existsSync(path.join(root, output)));
  if (missing) return { fresh: false, reason: `${missing} is missing`, hash };
  if (!existsSync(stampFile)) return { fresh: false, reason: 'no stamp of a previous build', hash };
  if (readFileSync(stampFile, 'utf8').trim() !== hash) {
    return { fresh: false, reason: 'sources changed since the last build', hash };
  }
  return { fresh: true, reason: 'sources unchanged since the last build', hash };
}

export function removeStamp(root, stampFile = STAMP_FILE) {
  rmSync(path.join(root, stampFile), { force: true });
}

export function writeStamp(root, hash, stampFile = STAMP_FILE) {
  const file = path.join(root, stampFile);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${hash}\n`);
}

function run(root, command, args, cwd = root) {
  const result = spawnSync(path.join(root, 'node_modules', '.bin', command), args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${command} ${args.join(' ')} failed\n`);
    process.exit(result.status ?? 1);
  }
}

function main(argv) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const state = buildState(root);
  if (argv.includes('--if-stale') && state.fresh) {
    process.stdout.write(`build: up to date (${state.reason}), not rebuilding\n`);
    return;
  }
  process.stdout.write(`build: building (${argv.includes('--if-stale') ? state.reason : 'npm run build'})\n`);
  removeStamp(root);
  run(root, 'tsc', ['-b']);
  run(root, 'vite', ['build'], path.join(root, 'apps', 'web'));
  // The hash of the inputs as they were when the build started: an edit made during the build rebuilds.
  writeStamp(root, state.hash);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2));
}
