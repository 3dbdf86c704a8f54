import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, type MigrationDialect, types } from './dialect.js';

/**
 * Issue 11 (account security), the email and notice part:
 * 1. `email_tokens` gets a third purpose, `email_change`, and the address such a link moves the account
 *    to (`new_email`). The purpose CHECK changes: MySQL drops and re-adds it; SQLite cannot alter a
 *    CHECK, so the table is rebuilt (create, copy, drop, rename, re-index; nothing references it).
 * 2. `account_devices`: the browsers and networks each account signed in from, for the new-sign-in notice.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  if (dialect === 'mysql') {
    await db.schema.alterTable('email_tokens').dropConstraint('email_tokens_purpose').execute();
    await db.schema.alterTable('email_tokens').addColumn('new_email', 'varchar(254)').execute();
    await db.schema.alterTable('email_tokens').addCheckConstraint('email_tokens_purpose', PURPOSES).execute();
  } else {
    await rebuildSqliteEmailTokens(db, dialect);
  }

  const t = types(dialect);
  await finishTable(
    dialect,
    db.schema
      .createTable('account_devices')
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('device_key', 'varchar(64)', (c) => c.notNull())
      .addColumn('first_seen_at', t.time, (c) => c.notNull())
      .addColumn('last_seen_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('account_devices_pk', ['user_id', 'device_key']),
    { user_id: 32, device_key: 64 },
  ).execute();
}

const PURPOSES = sql`purpose in ('verify_email', 'password_reset', 'email_change')`;

async function rebuildSqliteEmailTokens(db: AnyKysely, dialect: MigrationDialect): Promise<void> {
  const t = types(dialect);
  await finishTable(
    dialect,
    db.schema
      .createTable('email_tokens_0010')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('purpose', 'varchar(24)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('password_fingerprint', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('consumed_at', t.time)
      .addColumn('new_email', 'varchar(254)')
      .addCheckConstraint('email_tokens_purpose', PURPOSES),
    { id: 32, user_id: 32, purpose: 24, email: 254, password_fingerprint: 64, new_email: 254 },
  ).execute();
  await sql`insert into email_tokens_0010
      (id, user_id, purpose, email, password_fingerprint, created_at, expires_at, consumed_at)
    select id, user_id, purpose, email, password_fingerprint, created_at, expires_at, consumed_at
    from email_tokens`.execute(db);
  await db.schema.dropTable('email_tokens').execute();
  await sql`alter table email_tokens_0010 rename to email_tokens`.execute(db);
  await db.schema.createIndex('email_tokens_user_id').on('email_tokens').column('user_id').execute();
}
