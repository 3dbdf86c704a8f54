import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appUserStatements } from '../../src/db/app-user.js';
import { bootstrapMysql } from '../../src/db/bootstrap.js';
import { toDbTime } from '../../src/db/time.js';
import { createTestDatabase, type TestDatabase, withDdlLock } from '../helpers/database.js';

describe('least-privileged application user on MariaDB', () => {
  let testDb: TestDatabase;
  let appUrl: string;

  beforeAll(async () => {
    testDb = await createTestDatabase('mariadb');
    appUrl = testDb.config.database.url;
  });
  afterAll(async () => {
    await testDb.cleanup();
  });

  async function asApp<T>(fn: (c: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
    const connection = await createConnection(appUrl);
    try {
      return await fn(connection);
    } finally {
      await connection.end();
    }
  }

  const now = toDbTime(new Date());
  const row = `('lp1', 'lp@example.com', NULL, 'hash', 'LP', '${now}', '${now}', NULL)`;
  const columns =
    '(id, email, email_verified_at, password_hash, display_name, created_at, updated_at, deleted_at)';

  it('can SELECT, INSERT and UPDATE', async () => {
    await asApp(async (c) => {
      await c.query(`INSERT INTO users ${columns} VALUES ${row}`);
      await c.query(`UPDATE users SET display_name = 'LP2' WHERE id = 'lp1'`);
      const [rows] = await c.query(`SELECT display_name FROM users WHERE id = 'lp1'`);
      expect(rows).toEqual([{ display_name: 'LP2' }]);
    });
  });

  it.each([
    ['DELETE', `DELETE FROM users WHERE id = 'lp1'`],
    ['TRUNCATE', 'TRUNCATE TABLE users'],
    ['DROP TABLE', 'DROP TABLE users'],
    ['DROP DATABASE', 'DROP DATABASE IF EXISTS mysql'],
    ['CREATE TABLE', 'CREATE TABLE evil (id INT)'],
    ['ALTER TABLE', 'ALTER TABLE users ADD COLUMN evil INT'],
    ['CREATE USER', `CREATE USER 'evil'@'%' IDENTIFIED BY 'x'`],
    ['read another schema', 'SELECT * FROM mysql.user'],
  ])('cannot %s', async (_name, statement) => {
    await asApp(async (c) => {
      await expect(c.query(statement)).rejects.toMatchObject({
        code: expect.stringMatching(/ACCESS_DENIED|DENIED_ERROR|SPECIFIC_ACCESS/),
      });
    });
    await asApp(async (c) => {
      const [rows] = await c.query(`SELECT COUNT(*) AS n FROM users WHERE id = 'lp1'`);
      expect(rows).toEqual([{ n: 1 }]);
    });
  });

  it('has exactly SELECT, INSERT, UPDATE on its own schema', async () => {
    const grants = await asApp(async (c) => {
      const [rows] = await c.query('SHOW GRANTS FOR CURRENT_USER()');
      return (rows as Record<string, string>[]).map((r) => Object.values(r)[0] ?? '');
    });
    const schema = new URL(appUrl).pathname.slice(1);
    expect(grants).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^GRANT SELECT, INSERT, UPDATE ON \`${schema}\`\\.\\* TO`)),
      ]),
    );
    expect(grants.join('\n')).not.toMatch(/DELETE|DROP|ALTER|CREATE|ALL PRIVILEGES/);
  });

  it('re-running the bootstrap is idempotent and takes away privileges granted by hand', async () => {
    const admin = await createConnection(testDb.adminSchemaUrl as string);
    const user = decodeURIComponent(new URL(appUrl).username);
    const schema = new URL(appUrl).pathname.slice(1);
    await admin.query(`GRANT DELETE ON \`${schema}\`.* TO '${user}'@'%'`);
    await admin.end();
    await withDdlLock(inject('mariadbAdminUrl'), async () => {
      await bootstrapMysql(testDb.config.database);
      await bootstrapMysql(testDb.config.database);
    });
    await asApp(async (c) => {
      await expect(c.query(`DELETE FROM users WHERE id = 'lp1'`)).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
    });
  });

  it('refuses unsafe names instead of building SQL from them', () => {
    const base = { database: 'parley', user: 'app', password: 'p'.repeat(20), host: '%', requireSsl: true };
    expect(() => appUserStatements({ ...base, user: "x'; DROP USER root; --" })).toThrow();
    expect(() => appUserStatements({ ...base, database: 'a`b' })).toThrow();
    expect(() => appUserStatements({ ...base, password: 'short' })).toThrow();
    const statements = appUserStatements({ ...base, password: `it's a "secret" \\ with quotes!` });
    expect(statements[0]).toContain(`'it\\'s a \\"secret\\" \\\\ with quotes!'`);
    expect(statements.join('\n')).toContain('REQUIRE SSL');
  });
});
