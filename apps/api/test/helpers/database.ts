import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { bootstrapMysql } from '../../src/db/bootstrap.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { DB } from '../../src/db/schema.js';

export type TestDbKind = 'sqlite' | 'mariadb';
/** Integration tests run once per kind: the embedded default and a real MySQL-compatible server. */
export const DB_KINDS: readonly TestDbKind[] = ['sqlite', 'mariadb'];

export interface TestDatabase {
  readonly kind: TestDbKind;
  readonly config: Config;
  readonly database: Database;
  /** Admin URL of this test's own schema (MariaDB only), for assertions that bypass the app user. */
  readonly adminSchemaUrl: string | undefined;
  cleanup(): Promise<void>;
}

const random = (bytes = 6) => randomBytes(bytes).toString('hex');

export interface TestDatabaseOptions {
  env?: Record<string, string>;
  /** Another server's admin URL (e.g. a TLS-only MariaDB started by the test file). */
  adminUrl?: string;
}

/**
 * A fresh, migrated database for one test file: a new schema and its own least-privileged app user on
 * the run's MariaDB, or a new SQLite file. Tests never share tables, so they never depend on order.
 */
export async function createTestDatabase(
  kind: TestDbKind,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  // TRUST_PROXY lets tests speak as many clients (X-Forwarded-For), as behind the load balancer.
  // No built SPA unless a test brings one (WEB_DIST_DIR): whether `apps/web/dist` happens to exist on
  // this machine must not change what unknown paths answer.
  // The breached-password check is off (tests never reach the internet) unless a test points it at
  // its own local range server.
  const base = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TRUST_PROXY: 'true',
    WEB_DIST_DIR: path.join(dataDir, 'no-web-build'),
    PWNED_PASSWORDS_URL: '',
    ...options.env,
  };
  if (kind === 'sqlite') {
    const config = loadConfig({ ...base, DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}` });
    const database = createDatabase(config.database);
    await migrateToLatest(database.db);
    return {
      kind,
      config,
      database,
      adminSchemaUrl: undefined,
      cleanup: async () => {
        await database.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const admin = new URL(options.adminUrl ?? inject('mariadbAdminUrl'));
  const schema = `parley_t_${random()}`;
  const appUrl = new URL(admin.href);
  appUrl.username = `app_${random(4)}`;
  appUrl.password = random(16);
  appUrl.pathname = `/${schema}`;
  const config = loadConfig({ ...base, DATABASE_URL: appUrl.href, DATABASE_ADMIN_URL: admin.href });
  // The run's shared server: one schema is created at a time (see withDdlLock).
  if (options.adminUrl) await bootstrapMysql(config.database);
  else await withDdlLock(admin.href, () => bootstrapMysql(config.database));
  const database = createDatabase(config.database);
  const adminSchema = new URL(admin.href);
  adminSchema.pathname = `/${schema}`;
  return {
    kind,
    config,
    database,
    adminSchemaUrl: adminSchema.href,
    cleanup: async () => {
      await database.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `work` while holding a server-wide named lock. Test files run two at a time against one MariaDB,
 * and each creates and migrates its own schema; MariaDB 10.11 can crash (signal 11 in get_all_tables) when
 * the migrator's information_schema read runs while another connection runs DDL, as seen in a full run.
 * Creating schemas one at a time keeps that DDL apart; the tests themselves still run side by side.
 */
export async function withDdlLock<T>(adminUrl: string, work: () => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(adminUrl);
  try {
    const [rows] = await connection.query("SELECT GET_LOCK('parley_test_schema_ddl', 300) AS got");
    if ((rows as { got: number | null }[])[0]?.got !== 1) throw new Error('could not take the test DDL lock');
    return await work();
  } finally {
    await connection.query("SELECT RELEASE_LOCK('parley_test_schema_ddl')").catch(() => undefined);
    await connection.end();
  }
}

/** Number of rows in a table, read directly (tests that prove "nothing changed"). */
export async function countRows(db: Kysely<DB>, table: keyof DB): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
