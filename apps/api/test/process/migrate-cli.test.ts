import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import { withDdlLock } from '../helpers/database.js';

const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run migrate` runs this file (compiled); here it runs from source the same way. */
function migrate(env: Record<string, string>) {
  return run(process.execPath, ['--conditions=parley-source', '--import', 'tsx', 'src/cli/migrate.ts'], {
    cwd: apiDir,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe('npm run migrate', () => {
  it('migrates SQLite in place, and a second run applies nothing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-migrate-'));
    const first = await migrate({ DATA_DIR: dataDir });
    expect(first.stdout.trim()).toBe(`applied: ${Object.keys(migrations).join(', ')}`);
    const second = await migrate({ DATA_DIR: dataDir });
    expect(second.stdout.trim()).toBe('applied: none');
  });

  it('on MySQL creates the schema and the least-privileged app user named in DATABASE_URL', async () => {
    const admin = new URL(inject('mariadbAdminUrl'));
    const appUrl = new URL(admin.href);
    appUrl.username = 'cli_app';
    appUrl.password = 'cli-app-password-0123';
    appUrl.pathname = `/parley_cli_${Date.now()}`;
    const result = await withDdlLock(admin.href, () =>
      migrate({ DATABASE_URL: appUrl.href, DATABASE_ADMIN_URL: admin.href }),
    );
    expect(result.stdout).toContain('app user cli_app granted');
    const connection = await createConnection(appUrl.href);
    const [rows] = await connection.query('SHOW GRANTS FOR CURRENT_USER()');
    await connection.end();
    expect(JSON.stringify(rows)).toContain('GRANT SELECT, INSERT, UPDATE ON');
  });

  it('refuses MySQL without DATABASE_ADMIN_URL, naming the variable', async () => {
    await expect(migrate({ DATABASE_URL: 'mysql://app:pw@127.0.0.1:1/parley' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('DATABASE_ADMIN_URL'),
    });
  });
});
