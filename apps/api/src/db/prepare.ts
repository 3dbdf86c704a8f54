import type { Config } from '../config.js';
import { bootstrapMysql } from './bootstrap.js';
import type { Database } from './database.js';
import { migrateToLatest, pendingMigrations } from './migrate.js';

export interface PrepareLog {
  info(obj: object, msg: string): void;
}

/**
 * Brings the schema up to date before the server listens. SQLite: migrate in place. MySQL with
 * DATABASE_ADMIN_URL: bootstrap (schema, migrations, app user) as admin. MySQL without it (production:
 * the instances hold no admin credentials): refuse to start while migrations are pending.
 */
export async function prepareDatabase(config: Config, database: Database, log: PrepareLog): Promise<void> {
  if (config.database.kind === 'sqlite') {
    const applied = await migrateToLatest(database.db);
    log.info({ applied }, 'sqlite schema up to date');
    return;
  }
  if (config.database.adminUrl) {
    const result = await bootstrapMysql(config.database);
    log.info(result, 'mysql schema and app user up to date');
    return;
  }
  const pending = await pendingMigrations(database.db);
  if (pending.length > 0) {
    throw new Error(
      `database schema is behind (pending: ${pending.join(', ')}); run "npm run migrate" with DATABASE_ADMIN_URL`,
    );
  }
}
