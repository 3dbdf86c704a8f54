import { sql } from 'kysely';
import type { AnyKysely } from './dialect.js';
import { dialectOf, finishTable, types } from './dialect.js';

export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);
  await finishTable(
    dialect,
    db.schema
      .createTable('users')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      // Unique among live rows only: soft-deleted users keep their email but free it for a new account.
      .addColumn('email_live', 'varchar(254)', (c) =>
        c.generatedAlwaysAs(sql`case when deleted_at is null then email end`).stored(),
      )
      .addColumn('email_verified_at', t.time)
      .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('deleted_at', t.time),
    { id: 32, email: 254, password_hash: 255, display_name: 100 },
  ).execute();
  await db.schema.createIndex('users_email_live_unique').on('users').column('email_live').unique().execute();
}
