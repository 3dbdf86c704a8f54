import { sql } from 'kysely';
import { type AnyKysely, dialectOf, finishTable, types } from './dialect.js';

/**
 * Passkeys (issue 11): WebAuthn credentials, the server-side challenges of their ceremonies, and the
 * token generation of a session (a re-authentication replaces the session's token, so a token captured
 * before it stops working: ASVS 7.2.4).
 *
 * Expand-only: new tables and a nullable column the running version ignores. Nothing here is removed
 * by a user action: a passkey is marked removed, a challenge consumed.
 */
export async function up(db: AnyKysely): Promise<void> {
  const dialect = dialectOf(db);
  const t = types(dialect);

  // The `gen` claim the session's current tokens must carry; NULL until the first re-authentication.
  await db.schema.alterTable('sessions').addColumn('token_generation', 'varchar(32)').execute();

  // One row per registered credential. The credential id is long (up to 1023 bytes, base64url), so it is
  // found by its SHA-256; the unique index over the live rows' hash stops one credential being registered
  // twice (MySQL has no partial indexes: a generated column is NULL once the passkey is removed).
  await finishTable(
    dialect,
    db.schema
      .createTable('passkeys')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull())
      .addColumn('credential_hash', 'varchar(64)', (c) => c.notNull())
      // COSE public key, base64url.
      .addColumn('public_key', 'varchar(2048)', (c) => c.notNull())
      // The signature counter the authenticator reported last (unsigned 32 bits).
      .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('transports', 'varchar(255)')
      // 'singleDevice' | 'multiDevice', and whether a multi-device credential is backed up (BE/BS flags).
      .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('backed_up', 'smallint', (c) => c.notNull().defaultTo(0))
      .addColumn('aaguid', 'varchar(36)')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('last_used_at', t.time)
      .addColumn('removed_at', t.time)
      .addColumn('live_credential_hash', 'varchar(64)', (c) =>
        c.generatedAlwaysAs(sql`case when removed_at is null then credential_hash end`).stored(),
      ),
    {
      id: 32,
      user_id: 32,
      name: 64,
      credential_id: 1400,
      credential_hash: 64,
      public_key: 2048,
      transports: 255,
      device_type: 16,
      aaguid: 36,
    },
  ).execute();
  await db.schema.createIndex('passkeys_user_id').on('passkeys').column('user_id').execute();
  await db.schema
    .createIndex('passkeys_live_credential_unique')
    .on('passkeys')
    .column('live_credential_hash')
    .unique()
    .execute();

  // A WebAuthn challenge the server issued: keyed by its SHA-256, for one purpose (register, sign_in,
  // reauthenticate), bound to the user and session it was issued to (none for a passkey-only sign-in),
  // short-lived (PASSKEY_CHALLENGE_TTL) and consumed by its first use, right or wrong.
  await finishTable(
    dialect,
    db.schema
      .createTable('webauthn_challenges')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey().notNull())
      .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(32)', (c) => c.references('users.id'))
      .addColumn('session_id', 'varchar(32)')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('consumed_at', t.time),
    { id: 64, purpose: 16, user_id: 32, session_id: 32 },
  ).execute();
}
