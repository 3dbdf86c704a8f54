import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  // A signed-in device. Never removed: logout and revocation set revoked_at.
  await finishTable(
    dialect,
    db.schema
      .createTable('sessions')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('user_agent', 'varchar(512)')
      .addColumn('ip', 'varchar(64)')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('last_seen_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('revoked_at', t.time)
      .addColumn('revoked_reason', 'varchar(32)'),
    { id: 32, user_id: 32, user_agent: 512, ip: 64, revoked_reason: 32 },
  ).execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').columns(['user_id', 'revoked_at']).execute();

  // Single-use email links. The PASETO token carries the id as its jti; this row makes it single-use
  // and binds it to the email / password it was issued for.
  await finishTable(
    dialect,
    db.schema
      .createTable('email_tokens')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('purpose', 'varchar(24)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('password_fingerprint', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('consumed_at', t.time)
      .addCheckConstraint('email_tokens_purpose', sql`purpose in ('verify_email', 'password_reset')`),
    { id: 32, user_id: 32, purpose: 24, email: 254, password_fingerprint: 64 },
  ).execute();
  await db.schema.createIndex('email_tokens_user_id').on('email_tokens').column('user_id').execute();

  // Security audit trail. Never holds passwords or tokens.
  await finishTable(
    dialect,
    db.schema
      .createTable('auth_events')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.references('users.id'))
      .addColumn('session_id', 'varchar(32)')
      .addColumn('type', 'varchar(40)', (c) => c.notNull())
      .addColumn('ip', 'varchar(64)')
      .addColumn('user_agent', 'varchar(512)')
      .addColumn('created_at', t.time, (c) => c.notNull()),
    { id: 32, user_id: 32, session_id: 32, type: 40, ip: 64, user_agent: 512 },
  ).execute();
  await db.schema
    .createIndex('auth_events_user_id')
    .on('auth_events')
    .columns(['user_id', 'created_at'])
    .execute();
}
