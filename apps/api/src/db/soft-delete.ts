import type { SelectQueryBuilder } from 'kysely';
import type { DB, Executor, SoftDeletableTable } from './schema.js';
import { toDbTime } from './time.js';

/** A query over one table, nothing selected yet: Kysely writes "nothing selected" as `{}`. */
// biome-ignore lint/complexity/noBannedTypes: Kysely's own type for an empty selection.
type TableQuery<T extends keyof DB> = SelectQueryBuilder<DB, T, {}>;

/**
 * Live rows of one soft-deletable table: every single-table read of live rows starts here. Queries that
 * join a soft-deletable table under an alias filter that alias's `deleted_at` themselves (Kysely cannot
 * type a helper over any alias); reads that must see deleted rows do so on purpose and say why: message
 * history and catch-up (a deleted message stays as a tombstone in its seq), member lists (a deleted
 * account shows as "Deleted user"), the read-only check, and the orphan sweeper's claimed rows.
 */
export function selectLive<T extends SoftDeletableTable>(db: Executor, table: T): TableQuery<T> {
  // Kysely cannot see that `deleted_at` exists on every table T may be: filtered on the union, then typed
  // as the one table asked for, so `select()` and `selectAll()` know that table's columns.
  const query = db.selectFrom(table as SoftDeletableTable).where('deleted_at', 'is', null);
  return query as unknown as TableQuery<T>;
}

/** Marks a live row deleted; returns whether a row changed. Nothing in Parley removes rows. */
export async function softDelete<T extends SoftDeletableTable>(
  db: Executor,
  table: T,
  id: string,
  now: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable(table as SoftDeletableTable)
    .set({ deleted_at: toDbTime(now) })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
