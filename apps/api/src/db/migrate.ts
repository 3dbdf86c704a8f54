import { type MigrationResult, Migrator } from 'kysely';
import type { AnyKysely } from './migrations/dialect.js';
import { migrations } from './migrations/index.js';

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: readonly MigrationResult[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Migrations are numbered when work on them starts, and branches land in another order: a database can
 * hold a later number (0016) before an earlier one (0014) exists. Kysely refuses that by default
 * ("corrupted migrations"); here a pending migration runs even when a later-named one is already
 * applied, still in name order among the pending ones. Every migration must therefore stand on its own:
 * it may rely on the ones numbered before it that had landed when it was written, never on the order
 * of those still in flight (migrations/index.ts lists them all).
 */
function migrator(db: AnyKysely): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    allowUnorderedMigrations: true,
  });
}

/** Applies every pending migration; returns the names applied. Safe to run concurrently (Kysely locks). */
export async function migrateToLatest(db: AnyKysely): Promise<string[]> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed`, results, {
      cause: error,
    });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Names of migrations not yet applied (used when the app runs without admin rights and must not migrate). */
export async function pendingMigrations(db: AnyKysely): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
