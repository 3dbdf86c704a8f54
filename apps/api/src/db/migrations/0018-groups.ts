import { sql } from 'kysely';
import { type AnyKysely, dialectOf, withoutFulltextStopwords } from './dialect.js';

/**
 * Group timeline events and per-user conversation settings (issue 13).
 *
 * - `messages.kind`: `text` (default, every existing row) or `system`: a timeline line ("added",
 *   "removed", "left", "renamed") stored in the conversation's seq like a message, so it reaches members
 *   live and through resume/history exactly once and in order (ADR 0020). A system row has an empty
 *   `body` (nothing for a body search to match), `sender_id` = who did it, and:
 *   - `system_event`: `added` | `removed` | `left` | `renamed`;
 *   - `system_target_id`: the member added or removed (NULL otherwise);
 *   - `system_title`: the new title of a `renamed` (NULL otherwise).
 * - `conversation_members.muted`: 1 = this member muted the conversation (no unread in the title, no
 *   notifications; email notifications read it too), default 0.
 * - `conversation_members.archived_at_seq`: the conversation's `last_seq` when this member archived it,
 *   NULL when not archived. It is archived for them while `last_seq <= archived_at_seq`: any later
 *   message or timeline event brings it back to the list, with no write on the send path.
 *
 * Expand-only: columns with defaults (or nullable) that the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  if (dialectOf(db) === 'mysql') {
    // The foreign key below copies `messages`, rebuilding its FULLTEXT index (0014): keep it stopword-free.
    await withoutFulltextStopwords(db, () => addColumns(db, true));
  } else {
    await addColumns(db, false);
  }
}

async function addColumns(db: AnyKysely, mysql: boolean): Promise<void> {
  await db.schema
    .alterTable('messages')
    .addColumn('kind', 'varchar(8)', (c) =>
      mysql
        ? c.notNull().defaultTo('text')
        : c.notNull().defaultTo('text').check(sql`kind in ('text', 'system')`),
    )
    .execute();
  await db.schema
    .alterTable('messages')
    .addColumn('system_event', 'varchar(16)', (c) =>
      mysql ? c : c.check(sql`system_event in ('added', 'removed', 'left', 'renamed')`),
    )
    .execute();
  if (mysql) {
    await db.schema.alterTable('messages').addColumn('system_target_id', 'varchar(32)').execute();
    // MySQL ignores an inline REFERENCES: the constraint is added on its own (with its index).
    await db.schema
      .alterTable('messages')
      .addForeignKeyConstraint('messages_system_target', ['system_target_id'], 'users', ['id'])
      .execute();
  } else {
    // SQLite checks lengths itself only when told to.
    await db.schema
      .alterTable('messages')
      .addColumn('system_target_id', 'varchar(32)', (c) =>
        c.references('users.id').check(sql`length(system_target_id) <= 32`),
      )
      .execute();
  }
  await db.schema
    .alterTable('messages')
    .addColumn('system_title', 'varchar(200)', (c) => (mysql ? c : c.check(sql`length(system_title) <= 200`)))
    .execute();
  await db.schema
    .alterTable('conversation_members')
    .addColumn('muted', 'smallint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('conversation_members').addColumn('archived_at_seq', 'bigint').execute();
}
