import { sql } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { appUserStatements } from './app-user.js';
import { createMysqlKysely, readCa } from './database.js';
import { migrateToLatest } from './migrate.js';

export interface BootstrapResult {
  applied: string[];
  appUser: string;
}

/**
 * MySQL set-up run with DATABASE_ADMIN_URL: creates the schema named in DATABASE_URL if missing,
 * applies migrations, then creates/updates the application account named in DATABASE_URL with
 * SELECT, INSERT, UPDATE on that schema only (REQUIRE SSL when DATABASE_TLS_CA is set).
 */
export async function bootstrapMysql(config: DatabaseConfig): Promise<BootstrapResult> {
  if (config.kind !== 'mysql' || !config.adminUrl) {
    throw new Error('bootstrapMysql needs a mysql:// DATABASE_URL and DATABASE_ADMIN_URL');
  }
  const app = new URL(config.url);
  const database = decodeURIComponent(app.pathname.slice(1));
  const ssl = readCa(config.tlsCaFile);
  const adminServer = new URL(config.adminUrl);
  adminServer.pathname = '/';
  const server = createMysqlKysely({ uri: adminServer.toString(), ssl, connectionLimit: 1 });
  try {
    await sql`CREATE DATABASE IF NOT EXISTS ${sql.id(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`.execute(
      server,
    );
    const statements = appUserStatements({
      database,
      user: decodeURIComponent(app.username),
      password: decodeURIComponent(app.password),
      host: '%',
      requireSsl: ssl !== undefined,
    });
    for (const statement of statements) await sql.raw(statement).execute(server);
  } finally {
    await server.destroy();
  }
  adminServer.pathname = `/${encodeURIComponent(database)}`;
  const schema = createMysqlKysely({ uri: adminServer.toString(), ssl, connectionLimit: 1 });
  try {
    const applied = await migrateToLatest(schema);
    return { applied, appUser: decodeURIComponent(app.username) };
  } finally {
    await schema.destroy();
  }
}
