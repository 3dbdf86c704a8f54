import { type Insertable, sql } from 'kysely';
import type { AttachmentsTable, DbTime, Executor } from '../../db/schema.js';
import { selectLive } from '../../db/soft-delete.js';

/** What a user has stored: the quota counts live attachments, the hourly limit every upload in the window. */
export interface UploadUsage {
  /** Sum of the sizes of the user's attachments that are not deleted (their bytes are kept). */
  storedBytes: number;
  /** Sum of the sizes of every attachment the user uploaded since the window start, deleted or not. */
  windowBytes: number;
  /** When the oldest upload counted in `windowBytes` was made; null when there is none. */
  oldestInWindow: DbTime | null;
}

/** One query over the user's attachments (index `attachments_uploader`). */
export async function uploadUsage(db: Executor, userId: string, windowStart: DbTime): Promise<UploadUsage> {
  const row = await db
    .selectFrom('attachments')
    .select([
      sql<
        string | number | null
      >`sum(case when ${sql.ref('deleted_at')} is null then ${sql.ref('size')} else 0 end)`.as('stored'),
      sql<
        string | number | null
      >`sum(case when ${sql.ref('created_at')} >= ${windowStart} then ${sql.ref('size')} else 0 end)`.as(
        'recent',
      ),
      sql<DbTime | null>`min(case when ${sql.ref('created_at')} >= ${windowStart} then ${sql.ref('created_at')} end)`.as(
        'oldest',
      ),
    ])
    .where('uploader_id', '=', userId)
    .executeTakeFirst();
  // MySQL sums BIGINT as DECIMAL, which arrives as a string.
  return {
    storedBytes: Number(row?.stored ?? 0),
    windowBytes: Number(row?.recent ?? 0),
    oldestInWindow: row?.oldest ?? null,
  };
}

/** A live attachment with whether its message (if it has one yet) was deleted. */
export function findAttachmentWithMessage(db: Executor, id: string) {
  return db
    .selectFrom('attachments as a')
    .leftJoin('messages as m', 'm.id', 'a.message_id')
    .selectAll('a')
    .select('m.deleted_at as message_deleted_at')
    .where('a.id', '=', id)
    .where('a.deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function insertAttachment(db: Executor, row: Insertable<AttachmentsTable>): Promise<void> {
  await db.insertInto('attachments').values(row).execute();
}

/** Up to `limit` orphans, oldest first: never used by a message, not deleted, created before `cutoff`. */
export async function findOrphans(
  db: Executor,
  options: { cutoff: DbTime; limit: number },
): Promise<string[]> {
  const rows = await selectLive(db, 'attachments')
    .select('id')
    .where('message_id', 'is', null)
    .where('created_at', '<', options.cutoff)
    .orderBy('created_at')
    .limit(options.limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Claims these orphans for the sweep run `claim`, soft-deleting them in the same UPDATE. Conditional: a
 * row another instance claimed, or a message took, since findOrphans no longer matches, so no two runs
 * ever own one row. Returns how many this run got.
 */
export async function claimOrphans(
  db: Executor,
  ids: readonly string[],
  options: { claim: string; now: DbTime; cutoff: DbTime },
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('attachments')
    .set({ deleted_at: options.now, purge_claim: options.claim, purge_claimed_at: options.now })
    .where('id', 'in', [...ids])
    .where('message_id', 'is', null)
    .where('deleted_at', 'is', null)
    .where('created_at', '<', options.cutoff)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Up to `limit` claims whose bytes are still there, made before `claimedBefore` (their lease ended). */
export async function findExpiredClaims(
  db: Executor,
  options: { claimedBefore: DbTime; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('attachments')
    .select('id')
    .where('purged_at', 'is', null)
    .where('purge_claimed_at', '<', options.claimedBefore)
    .orderBy('purge_claimed_at')
    .limit(options.limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Takes over expired claims (their instance died, or the blob store failed). Conditional like
 * claimOrphans: a claim renewed or finished since findExpiredClaims is left alone.
 */
export async function takeOverClaims(
  db: Executor,
  ids: readonly string[],
  options: { claim: string; now: DbTime; claimedBefore: DbTime },
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('attachments')
    .set({ purge_claim: options.claim, purge_claimed_at: options.now })
    .where('id', 'in', [...ids])
    .where('purged_at', 'is', null)
    .where('purge_claimed_at', '<', options.claimedBefore)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The rows a sweep run claimed whose bytes are still to be removed. */
export function claimedForPurge(db: Executor, claim: string) {
  return db
    .selectFrom('attachments')
    .select(['id', 'storage_key'])
    .where('purge_claim', '=', claim)
    .where('purged_at', 'is', null)
    .execute();
}

/** Records that the bytes are gone; only the run holding the claim may. */
export async function markPurged(db: Executor, id: string, claim: string, now: DbTime): Promise<boolean> {
  const result = await db
    .updateTable('attachments')
    .set({ purged_at: now })
    .where('id', '=', id)
    .where('purge_claim', '=', claim)
    .where('purged_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
