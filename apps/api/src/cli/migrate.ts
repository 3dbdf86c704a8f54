import { ConfigError, loadConfig } from '../config.js';
import { bootstrapMysql } from '../db/bootstrap.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

/**
 * `npm run migrate`: SQLite is migrated in place; MySQL needs DATABASE_ADMIN_URL and also gets the
 * least-privileged application account named in DATABASE_URL.
 */
try {
  const config = loadConfig();
  if (config.database.kind === 'mysql') {
    if (!config.database.adminUrl) throw new ConfigError(['DATABASE_ADMIN_URL: required to migrate MySQL']);
    const result = await bootstrapMysql(config.database);
    process.stdout.write(
      `applied: ${result.applied.join(', ') || 'none'}; app user ${result.appUser} granted\n`,
    );
  } else {
    const database = createDatabase(config.database);
    try {
      const applied = await migrateToLatest(database.db);
      process.stdout.write(`applied: ${applied.join(', ') || 'none'}\n`);
    } finally {
      await database.destroy();
    }
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
