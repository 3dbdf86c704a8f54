import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  await finishTable(
    dialect,
    db.schema
      .createTable('conversations')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('type', 'varchar(10)', (c) => c.notNull())
      .addColumn('title', 'varchar(200)')
      // "<smaller user id>:<larger user id>" for direct conversations: one per pair, enforced here.
      .addColumn('direct_key', 'varchar(80)', (c) => c.unique())
      .addColumn('created_by', 'varchar(32)', (c) => c.notNull().references('users.id'))
      // Message positions are handed out from these counters inside the transaction that stores the
      // message, so seq has no gaps and no reuse whatever the commit order.
      .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('last_rev', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('last_message_at', t.time)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('deleted_at', t.time)
      .addCheckConstraint('conversations_type', sql`type in ('direct', 'group')`),
    { id: 32, type: 10, title: 200, direct_key: 80, created_by: 32 },
  ).execute();

  await finishTable(
    dialect,
    db.schema
      .createTable('conversation_members')
      .addColumn('conversation_id', 'varchar(32)', (c) => c.notNull().references('conversations.id'))
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('role', 'varchar(10)', (c) => c.notNull())
      .addColumn('joined_at', t.time, (c) => c.notNull())
      // Removal and leaving set left_at; re-adding clears it. The row stays.
      .addColumn('left_at', t.time)
      .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
      .addCheckConstraint('conversation_members_role', sql`role in ('owner', 'admin', 'member')`),
    { conversation_id: 32, user_id: 32, role: 10 },
  ).execute();
  await db.schema
    .createIndex('conversation_members_user')
    .on('conversation_members')
    .columns(['user_id', 'left_at'])
    .execute();

  await finishTable(
    dialect,
    db.schema
      .createTable('messages')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('conversation_id', 'varchar(32)', (c) => c.notNull().references('conversations.id'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .addColumn('sender_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('edited_at', t.time)
      .addColumn('deleted_at', t.time)
      .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
      // A retried send (same clientId from the same sender) can never store a second message.
      .addUniqueConstraint('messages_sender_client', ['sender_id', 'client_id']),
    { id: 32, conversation_id: 32, sender_id: 32, client_id: 36, body: 4000 },
  ).execute();
  await db.schema
    .createIndex('messages_conversation_rev')
    .on('messages')
    .columns(['conversation_id', 'rev'])
    .execute();

  await finishTable(
    dialect,
    db.schema
      .createTable('attachments')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('conversation_id', 'varchar(32)', (c) => c.notNull().references('conversations.id'))
      .addColumn('uploader_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('message_id', 'varchar(32)', (c) => c.references('messages.id'))
      .addColumn('storage_key', 'varchar(200)', (c) => c.notNull().unique())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('content_type', 'varchar(100)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('deleted_at', t.time),
    {
      id: 32,
      conversation_id: 32,
      uploader_id: 32,
      message_id: 32,
      storage_key: 200,
      name: 200,
      content_type: 100,
      sha256: 64,
    },
  ).execute();
  await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();
}
