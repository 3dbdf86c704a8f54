import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * Mentions and per-user notification settings (issue 12).
 *
 * - `message_mentions`: one row per user mentioned by a message (members only, checked by the writer).
 *   Keyed by (message, user); the (user, conversation, seq) index answers "how many unread messages of
 *   this conversation mention me" (`seq > last_read_seq`) and "which unread mentions are due an email".
 * - `users.notify_email`: `off` | `direct_and_mentions` (default) | `all`.
 * - `users.presence_visible`: 1 = others see this user's presence (default), 0 = always shown offline.
 *
 * Expand-only: a new table and columns with defaults that the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  await finishTable(
    dialect,
    db.schema
      .createTable('message_mentions')
      .addColumn('message_id', 'varchar(32)', (c) => c.notNull().references('messages.id'))
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('conversation_id', 'varchar(32)', (c) => c.notNull().references('conversations.id'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_mentions_pk', ['message_id', 'user_id']),
    { message_id: 32, user_id: 32, conversation_id: 32 },
  ).execute();
  await db.schema
    .createIndex('message_mentions_user_conversation_seq')
    .on('message_mentions')
    .columns(['user_id', 'conversation_id', 'seq'])
    .execute();

  await db.schema
    .alterTable('users')
    .addColumn('notify_email', 'varchar(24)', (c) =>
      dialect === 'mysql'
        ? c.notNull().defaultTo('direct_and_mentions')
        : c
            .notNull()
            .defaultTo('direct_and_mentions')
            .check(sql`notify_email in ('off', 'direct_and_mentions', 'all')`),
    )
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('presence_visible', 'smallint', (c) => c.notNull().defaultTo(1))
    .execute();
}
