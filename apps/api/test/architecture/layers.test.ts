import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of docs/architecture.md ("Layers") are Biome `noRestrictedImports` overrides in the
 * repository's biome.json, which `npm run lint` runs. These tests lint fixture files with that very
 * biome.json (copied unchanged into a temporary folder, fixtures at the paths the rules name): each
 * wrong-way import fails with its message, and the imports the layers allow pass.
 */

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const biomeBin = path.join(repo, 'node_modules', '.bin', 'biome');

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}
interface LintResult {
  exitCode: number;
  diagnostics: Diagnostic[];
}

function biome(cwd: string, paths: string[]): Promise<LintResult> {
  return new Promise((resolve, reject) => {
    // No VCS in the temporary folder; the rules under test do not depend on it.
    execFile(
      biomeBin,
      ['lint', '--vcs-enabled=false', '--reporter=json', ...paths],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
          resolve({ exitCode, diagnostics: report.diagnostics });
        } catch {
          reject(new Error(`biome printed no JSON report (exit ${exitCode}): ${String(error)}`));
        }
      },
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'parley-layers-'));
  copyFileSync(path.join(repo, 'biome.json'), path.join(dir, 'biome.json'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes one fixture file at `file` (repository-relative) and lints it with the repository's rules. */
async function lintFixture(file: string, source: string): Promise<LintResult> {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, source);
  return await biome(dir, [file]);
}

const importErrors = (result: LintResult) =>
  result.diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => ({ line: d.location.start.line, message: d.message }));

describe('layer rules (biome.json noRestrictedImports)', () => {
  it.each([
    [
      'platform → modules',
      'apps/api/src/platform/secrets/wrong.ts',
      "import { authenticate } from '../../modules/auth/session.service.js';\nexport const a = authenticate;\n",
      /^platform\/ holds the adapters under every feature: it must not import modules\//,
    ],
    [
      'platform → the HTTP-aware AppError',
      'apps/api/src/platform/blobs/wrong.ts',
      "import { AppError } from '../../errors.js';\nexport const a = AppError;\n",
      /^platform\/ adapters throw their own errors/,
    ],
    [
      'plugins → modules',
      'apps/api/src/plugins/wrong.plugin.ts',
      "import { authenticate } from '../modules/auth/session.service.js';\nexport const a = authenticate;\n",
      /^plugins\/ must not import modules\/: take what you need through an interface declared in http\//,
    ],
    [
      'plugins → modules (a type-only import too)',
      'apps/api/src/plugins/wrong.plugin.ts',
      "import type { AuthDeps } from '../modules/auth/auth.context.js';\nexport type A = AuthDeps;\n",
      /^plugins\/ must not import modules\//,
    ],
    [
      'modules → plugins',
      'apps/api/src/modules/auth/auth.limits.ts',
      "import { perUser } from '../../plugins/rate-limit.plugin.js';\nexport const a = perUser;\n",
      /^modules\/ must not import plugins\//,
    ],
    [
      'route file → route file',
      'apps/api/src/modules/users/me.routes.ts',
      "import { signedIn } from '../auth/auth.routes.js';\nexport const a = signedIn;\n",
      /^A route file must not import another route file/,
    ],
    [
      'route file → plugins (the modules rule holds in route files as well)',
      'apps/api/src/modules/realtime/realtime.routes.ts',
      "import { allowedOrigins } from '../../plugins/security.plugin.js';\nexport const a = allowedOrigins;\n",
      /^modules\/ must not import plugins\//,
    ],
    [
      'http → modules',
      'apps/api/src/http/wrong.ts',
      "import type { AuthDeps } from '../modules/auth/auth.context.js';\nexport type A = AuthDeps;\n",
      /^http\/ declares the plugins' interfaces for modules/,
    ],
    [
      'db → platform',
      'apps/api/src/db/wrong.ts',
      "import { newBlobKey } from '../platform/blobs/blob-key.js';\nexport const a = newBlobKey;\n",
      /^db\/ is the bottom layer/,
    ],
    [
      'a module → the composition root',
      'apps/api/src/modules/messages/wrong.service.ts',
      "import { createServer } from '../../composition.js';\nexport const a = createServer;\n",
      /^Only main\.ts and the composition root/,
    ],
    [
      'a presenter → a query',
      'apps/api/src/modules/conversations/wrong.presenter.ts',
      "import { listMembers } from './conversation.repository.js';\nexport const a = listMembers;\n",
      /^Presenters only shape what they are given/,
    ],
    [
      'a Lambda → the API, past its api-*.ts file',
      'infra/lambda/keyring-rotation/wrong.ts',
      "import { rotateKeyring } from '../../../apps/api/src/platform/tokens/keyring.js';\nexport const a = rotateKeyring;\n",
      /^A Lambda reaches into the API only through its one api-\*\.ts file/,
    ],
  ])('fails on %s', async (_name, file, source, message) => {
    const result = await lintFixture(file, source);
    expect(result.exitCode).not.toBe(0);
    const errors = importErrors(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(1);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    [
      'a route file → http/, its service, its limits and platform/',
      'apps/api/src/modules/attachments/fine.routes.ts',
      [
        "import { signedIn } from '../../http/auth.js';",
        "import { perUser } from '../../http/limits.js';",
        "import { BlobTooLargeError } from '../../platform/blobs/blob-errors.js';",
        "import { uploadAttachment } from './attachment.service.js';",
        "import { AUTH_LIMITS } from '../auth/auth.limits.js';",
        'export const a = [signedIn, perUser, BlobTooLargeError, uploadAttachment, AUTH_LIMITS];',
      ].join('\n'),
    ],
    [
      'a plugin → http/ and platform/',
      'apps/api/src/plugins/fine.plugin.ts',
      [
        "import type { SessionAuthenticator } from '../http/auth.js';",
        "import { limitChecker } from '../platform/limits/limiter.js';",
        'export type A = SessionAuthenticator;',
        'export const b = limitChecker;',
      ].join('\n'),
    ],
    [
      'a presenter → row types and another presenter',
      'apps/api/src/modules/conversations/fine.presenter.ts',
      [
        "import type { ConversationRow } from './conversation.repository.js';",
        "import { presentMessage } from '../messages/message.presenter.js';",
        'export type A = ConversationRow;',
        'export const b = presentMessage;',
      ].join('\n'),
    ],
    [
      "a Lambda's api-*.ts file → the API",
      'infra/lambda/keyring-rotation/api-fine.ts',
      "export { rotateKeyring } from '../../../apps/api/src/platform/tokens/keyring.js';\n",
    ],
  ])('allows %s', async (_name, file, source) => {
    const result = await lintFixture(file, `${source}\n`);
    expect(importErrors(result)).toEqual([]);
  });

  it('holds on the real tree: apps/api/src and infra/lambda lint clean', async () => {
    const result = await biome(repo, ['apps/api/src', 'infra/lambda']);
    expect(importErrors(result)).toEqual([]);
  });
});
