import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * Reactions and replies (issue 13, ADR 0015).
 *
 * - `reactions`: one row per time a user added an emoji to a message. Removing it soft-deletes the row
 *   (the app's MySQL account cannot DELETE); adding it again inserts a new row. `live` is generated: 1
 *   while the row is live, NULL once deleted, so the unique index (message, user, emoji, live) allows one
 *   live reaction per user, emoji and message and any number of removed ones (NULLs never collide, on
 *   MySQL and SQLite alike). The index also serves "the reactions of these messages".
 * - `messages.reply_to_id`: the message a reply answers (same conversation, checked by the writer).
 *
 * Expand-only: a new table and a nullable column the running version ignores.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  await finishTable(
    dialect,
    db.schema
      .createTable('reactions')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('message_id', 'varchar(32)', (c) => c.notNull().references('messages.id'))
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      // One emoji in its stored form (contract `reactionEmoji`): at most 10 code points today.
      .addColumn('emoji', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('deleted_at', t.time)
      .addColumn('live', 'smallint', (c) =>
        c.generatedAlwaysAs(sql`case when deleted_at is null then 1 end`).stored(),
      ),
    { id: 32, message_id: 32, user_id: 32, emoji: 32 },
  ).execute();
  await db.schema
    .createIndex('reactions_live_unique')
    .on('reactions')
    .columns(['message_id', 'user_id', 'emoji', 'live'])
    .unique()
    .execute();

  if (dialect === 'mysql') {
    await db.schema.alterTable('messages').addColumn('reply_to_id', 'varchar(32)').execute();
    // MySQL ignores an inline REFERENCES: the constraint is added on its own (with its index).
    await db.schema
      .alterTable('messages')
      .addForeignKeyConstraint('messages_reply_to', ['reply_to_id'], 'messages', ['id'])
      .execute();
  } else {
    // SQLite adds one column per ALTER TABLE, and checks lengths itself only when told to.
    await db.schema
      .alterTable('messages')
      .addColumn('reply_to_id', 'varchar(32)', (c) =>
        c.references('messages.id').check(sql`length(reply_to_id) <= 32`),
      )
      .execute();
  }
}
