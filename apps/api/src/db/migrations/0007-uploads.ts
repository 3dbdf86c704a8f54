import { sql } from 'kysely';
import { type AnyKysely, dialectOf, types } from './dialect.js';

/**
 * Upload quotas and the orphan sweeper.
 *
 * - `purge_claim` / `purge_claimed_at`: which sweep run owns removing an attachment's bytes, and since
 *   when. A run claims rows with a conditional UPDATE, so two instances never both process one; a claim
 *   older than the lease is taken over (the instance died, or the blob store failed).
 * - `purged_at`: the bytes are gone from the blob store (the row itself stays, soft-deleted).
 * - Indexes: the per-user sums (quota and bytes per hour), the sweeper's search for old orphans, its
 *   claims, and expired claims.
 *
 * Expand-only: nullable columns the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);
  // SQLite adds one column per ALTER TABLE, and checks lengths itself only when told to.
  await db.schema
    .alterTable('attachments')
    .addColumn('purge_claim', 'varchar(32)', (c) =>
      dialect === 'sqlite' ? c.check(sql`length(purge_claim) <= 32`) : c,
    )
    .execute();
  await db.schema.alterTable('attachments').addColumn('purge_claimed_at', t.time).execute();
  await db.schema.alterTable('attachments').addColumn('purged_at', t.time).execute();
  await db.schema
    .createIndex('attachments_uploader')
    .on('attachments')
    .columns(['uploader_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('attachments_orphans')
    .on('attachments')
    .columns(['message_id', 'deleted_at', 'created_at'])
    .execute();
  await db.schema.createIndex('attachments_purge_claim').on('attachments').column('purge_claim').execute();
  // Claims whose bytes are not gone yet, by claim time: a takeover finds expired leases without a scan.
  await db.schema
    .createIndex('attachments_unpurged')
    .on('attachments')
    .columns(['purged_at', 'purge_claimed_at'])
    .execute();
}
