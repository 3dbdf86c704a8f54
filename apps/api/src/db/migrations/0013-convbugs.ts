import type { AnyKysely } from './dialect.js';

/**
 * Attachments keep the order they were sent in (issue 13): `position` is the attachment's index in the
 * send's `attachmentIds`, set when a message takes it. Messages read their attachments by position;
 * rows from before this migration have none (NULL sorts first on both dialects) and keep their old order
 * (upload time, then id).
 *
 * Expand-only: a nullable column the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  await db.schema.alterTable('attachments').addColumn('position', 'integer').execute();
}
