import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * What an unverified account's `password_hash` holds: not an argon2 hash, so nothing can ever match it.
 * The account's password is chosen when one of its registrations is activated. Same value as
 * `NO_PASSWORD` in `modules/auth/auth.constants.ts` (a migration never imports app code).
 */
const NO_PASSWORD = '!unverified';

export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  // Every sign-up of an unverified address is its own row with its own password. None of them is the
  // account's password until the mailbox owner opens a verification link and types that password
  // (issue 9: re-registering must never choose the password of someone else's account).
  await finishTable(
    dialect,
    db.schema
      .createTable('registrations')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      // The one registration that became the account.
      .addColumn('activated_at', t.time)
      // Every other registration of the address dies when one is activated (or the password is reset).
      .addColumn('superseded_at', t.time),
    { id: 32, user_id: 32, password_hash: 255, display_name: 100 },
  ).execute();
  await db.schema
    .createIndex('registrations_user_created')
    .on('registrations')
    .columns(['user_id', 'created_at'])
    .execute();

  // When each kind of informational email ("someone tried to sign up") last went to an address, so a
  // flood of requests sends at most one per interval, whichever instance answers them.
  await finishTable(
    dialect,
    db.schema
      .createTable('mail_notices')
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('kind', 'varchar(40)', (c) => c.notNull())
      .addColumn('last_sent_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('mail_notices_pk', ['email', 'kind']),
    { email: 254, kind: 40 },
  ).execute();

  await moveUnverifiedPasswords(db);
}

/**
 * Accounts left unverified by the old sign-up keep working: their password becomes their one pending
 * registration (id = the user id, which is unique), and the account itself holds no password.
 */
export async function moveUnverifiedPasswords(db: AnyKysely): Promise<void> {
  await sql`insert into registrations (id, user_id, password_hash, display_name, created_at)
    select id, id, password_hash, display_name, created_at from users
    where email_verified_at is null and deleted_at is null and password_hash <> ${NO_PASSWORD}`.execute(db);
  await sql`update users set password_hash = ${NO_PASSWORD}
    where email_verified_at is null and deleted_at is null`.execute(db);
}
