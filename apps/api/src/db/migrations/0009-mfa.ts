import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * Second factors (issue 11): TOTP authenticators, recovery codes, the challenge between the password step
 * and the second step of a sign-in, and when a session last proved who is behind it. Nothing here is
 * ever removed: a factor is disabled, a code used or revoked, a challenge consumed.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  // Sign-in or re-authentication time: sensitive actions need it within REAUTH_MAX_AGE.
  await db.schema.alterTable('sessions').addColumn('reauthenticated_at', t.time).execute();

  // One row per enrolment. Pending until confirmed with a code; then active until disabled. The secret is
  // sealed (AES-256-GCM under the mfa_encryption key), never stored in plain text.
  await finishTable(
    dialect,
    db.schema
      .createTable('totp_factors')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('secret_sealed', 'varchar(255)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('confirmed_at', t.time)
      .addColumn('disabled_at', t.time)
      // The last RFC 6238 time step a code was accepted for: a code of that step or an earlier one is refused.
      .addColumn('last_used_step', 'integer')
      // At most one active factor per user: the unique index below, since MySQL has no partial indexes.
      .addColumn('active_user_id', 'varchar(32)', (c) =>
        c
          .generatedAlwaysAs(sql`case when confirmed_at is not null and disabled_at is null then user_id end`)
          .stored(),
      ),
    { id: 32, user_id: 32, secret_sealed: 255 },
  ).execute();
  await db.schema.createIndex('totp_factors_user_id').on('totp_factors').column('user_id').execute();
  await db.schema
    .createIndex('totp_factors_active_user_unique')
    .on('totp_factors')
    .column('active_user_id')
    .unique()
    .execute();

  // Keyed hashes (HMAC-SHA-256 under the mfa_encryption key) of single-use recovery codes. A new set
  // revokes the old one.
  await finishTable(
    dialect,
    db.schema
      .createTable('recovery_codes')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('used_at', t.time)
      .addColumn('retired_at', t.time),
    { id: 32, user_id: 32, code_hash: 64 },
  ).execute();
  await db.schema
    .createIndex('recovery_codes_user_hash')
    .on('recovery_codes')
    .columns(['user_id', 'code_hash'])
    .execute();

  // The state between a correct password and the second factor. The client holds a random challenge;
  // the row is keyed by its SHA-256, bound to the user and to the password it was issued under.
  await finishTable(
    dialect,
    db.schema
      .createTable('mfa_challenges')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('password_fingerprint', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('consumed_at', t.time),
    { id: 64, user_id: 32, password_fingerprint: 64 },
  ).execute();
  await db.schema.createIndex('mfa_challenges_user_id').on('mfa_challenges').column('user_id').execute();
}
