import type { Kysely, Transaction } from 'kysely';
import type { DB, SoftDeletableTable } from './schema.js';
import { toDbTime } from './time.js';

type Executor = Kysely<DB> | Transaction<DB>;

/**
 * The one place that hides soft-deleted rows: every read of a soft-deletable table starts here.
 * Queries that must see deleted rows (audit, tombstones) say so by using `selectIncludingDeleted`.
 */
export function selectLive<T extends SoftDeletableTable>(db: Executor, table: T) {
  // The cast narrows Kysely's generic table union so `deleted_at` is known to exist on every candidate.
  return db.selectFrom(table as SoftDeletableTable).where('deleted_at', 'is', null);
}

/** Reads including soft-deleted rows, for the few places that need tombstones. */
export function selectIncludingDeleted<T extends SoftDeletableTable>(db: Executor, table: T) {
  return db.selectFrom(table as SoftDeletableTable);
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
