import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * Email notifications for people who are away (issue 12, ADR 0018).
 *
 * - `notify_email_state`: one row per (user, conversation) that was ever emailed about. It is both the
 *   claim (a run of the notification job on any instance owns the row while `claim` is set and
 *   `claimed_at` is recent: one conditional UPDATE or one INSERT on the primary key decides) and the
 *   throttle (`emailed_through_seq`, `last_emailed_at`: nothing more about this conversation until the
 *   user has read past `emailed_through_seq` or NOTIFY_EMAIL_REPEAT_AFTER has passed). What is due is
 *   derived from messages and read markers, which are in the database too, so nothing is lost on restart.
 * - An index on `conversations.last_message_at`: the job only looks at conversations with recent messages.
 *
 * Expand-only: a new table and an index that the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  await finishTable(
    dialect,
    db.schema
      .createTable('notify_email_state')
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('conversation_id', 'varchar(32)', (c) => c.notNull().references('conversations.id'))
      .addColumn('emailed_through_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('last_emailed_at', t.time)
      .addColumn('claim', 'varchar(32)')
      .addColumn('claimed_at', t.time)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('notify_email_state_pk', ['user_id', 'conversation_id']),
    { user_id: 32, conversation_id: 32, claim: 32 },
  ).execute();

  await db.schema
    .createIndex('conversations_last_message_at')
    .on('conversations')
    .column('last_message_at')
    .execute();
}
