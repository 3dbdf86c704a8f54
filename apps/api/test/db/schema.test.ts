import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { selectLive, softDelete } from '../../src/db/soft-delete.js';
import { fromDbTime, toDbTime } from '../../src/db/time.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';

const now = toDbTime(new Date('2026-01-02T03:04:05.678Z'));

function user(id: string, email: string) {
  return {
    id,
    email,
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$placeholder',
    display_name: `User ${id}`,
    email_verified_at: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

/** Column names and nullability of a table, read from the live database (generated columns included). */
async function describeTable(testDb: TestDatabase, table: string) {
  const query =
    testDb.kind === 'sqlite'
      ? sql<{
          name: string;
          nullable: number;
        }>`select name, 1 - "notnull" as nullable from pragma_table_xinfo(${table})`
      : sql<{ name: string; nullable: number }>`select column_name as name, is_nullable = 'YES' as nullable
          from information_schema.columns where table_schema = database() and table_name = ${table}`;
  const { rows } = await query.execute(testDb.database.db);
  return rows
    .map((row) => ({ name: row.name, nullable: Number(row.nullable) === 1 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const schemas: Record<string, unknown> = {};

describe.each(DB_KINDS)('schema on %s', (kind) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await testDb.cleanup();
  });

  it('has applied every migration, and migrating again changes nothing', async () => {
    expect(await pendingMigrations(testDb.database.db)).toEqual([]);
    if (kind === 'sqlite') expect(await migrateToLatest(testDb.database.db)).toEqual([]);
    const applied = await testDb.database.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect(applied.map((row) => (row as { name: string }).name)).toEqual(Object.keys(migrations));
  });

  it('creates the users table with the same columns as the other dialect', async () => {
    const columns = await describeTable(testDb, 'users');
    expect(columns?.map((c) => c.name)).toEqual([
      'created_at',
      'deleted_at',
      'display_name',
      'email',
      'email_live',
      'email_verified_at',
      'id',
      'notify_email',
      'password_hash',
      'presence_visible',
      'updated_at',
    ]);
    schemas[kind] = columns;
    const other = schemas[kind === 'sqlite' ? 'mariadb' : 'sqlite'];
    if (other) expect(columns).toEqual(other);
  });

  it.each([
    [
      'registrations',
      ['activated_at', 'created_at', 'display_name', 'id', 'password_hash', 'superseded_at', 'user_id'],
    ],
    ['mail_notices', ['email', 'kind', 'last_sent_at']],
    [
      'sessions',
      [
        'created_at',
        'expires_at',
        'id',
        'ip',
        'last_seen_at',
        'reauthenticated_at',
        'revoked_at',
        'revoked_reason',
        'token_generation',
        'user_agent',
        'user_id',
      ],
    ],
    [
      'totp_factors',
      [
        'active_user_id',
        'confirmed_at',
        'created_at',
        'disabled_at',
        'id',
        'last_used_step',
        'secret_sealed',
        'user_id',
      ],
    ],
    ['recovery_codes', ['code_hash', 'created_at', 'id', 'retired_at', 'used_at', 'user_id']],
    [
      'mfa_challenges',
      ['consumed_at', 'created_at', 'expires_at', 'failed_attempts', 'id', 'password_fingerprint', 'user_id'],
    ],
    [
      'email_tokens',
      [
        'consumed_at',
        'created_at',
        'email',
        'expires_at',
        'id',
        'new_email',
        'password_fingerprint',
        'purpose',
        'user_id',
      ],
    ],
    ['account_devices', ['device_key', 'first_seen_at', 'last_seen_at', 'user_id']],
    ['reactions', ['created_at', 'deleted_at', 'emoji', 'id', 'live', 'message_id', 'user_id']],
    ['message_mentions', ['conversation_id', 'created_at', 'message_id', 'seq', 'user_id']],
    [
      'notify_email_state',
      [
        'claim',
        'claimed_at',
        'conversation_id',
        'created_at',
        'emailed_through_seq',
        'last_emailed_at',
        'user_id',
      ],
    ],
    [
      'messages',
      [
        'body',
        'client_id',
        'conversation_id',
        'created_at',
        'deleted_at',
        'edited_at',
        'id',
        'kind',
        'reply_to_id',
        'rev',
        'sender_id',
        'seq',
        'system_event',
        'system_target_id',
        'system_title',
      ],
    ],
    [
      'conversation_members',
      [
        'archived_at_seq',
        'conversation_id',
        'joined_at',
        'last_read_seq',
        'left_at',
        'muted',
        'role',
        'user_id',
      ],
    ],
    [
      'passkeys',
      [
        'aaguid',
        'backed_up',
        'counter',
        'created_at',
        'credential_hash',
        'credential_id',
        'device_type',
        'id',
        'last_used_at',
        'live_credential_hash',
        'name',
        'public_key',
        'removed_at',
        'transports',
        'user_id',
      ],
    ],
    [
      'webauthn_challenges',
      ['consumed_at', 'created_at', 'expires_at', 'id', 'purpose', 'session_id', 'user_id'],
    ],
  ])('creates the %s table with the same columns as the other dialect', async (table, names) => {
    // MySQL's search column (migration 0014, invisible) has no SQLite counterpart: FTS5 is a table there.
    const columns = (await describeTable(testDb, table)).filter(
      (column) => !(table === 'messages' && column.name === 'search_text'),
    );
    expect(columns.map((c) => c.name)).toEqual(names);
    const key = `${table}:${kind}`;
    schemas[key] = columns;
    const other = schemas[`${table}:${kind === 'sqlite' ? 'mariadb' : 'sqlite'}`];
    if (other) expect(columns).toEqual(other);
  });

  it('keeps one mail_notices row per address and kind', async () => {
    const db = testDb.database.db;
    const row = { email: 'notice@example.com', kind: 'signup_attempt', last_sent_at: now };
    await db.insertInto('mail_notices').values(row).execute();
    await expect(db.insertInto('mail_notices').values(row).execute()).rejects.toThrow();
    await db
      .insertInto('mail_notices')
      .values({ ...row, kind: 'other' })
      .execute();
  });

  it('takes the three email-link purposes (0010 widened the CHECK) and nothing else', async () => {
    const db = testDb.database.db;
    await db.insertInto('users').values(user('link1', 'link@example.com')).execute();
    const row = (id: string, purpose: string) => ({
      id,
      user_id: 'link1',
      purpose: purpose as 'email_change',
      email: 'link@example.com',
      password_fingerprint: 'f'.repeat(64),
      created_at: now,
      expires_at: now,
      consumed_at: null,
      new_email: purpose === 'email_change' ? 'new@example.com' : null,
    });
    for (const [id, purpose] of [
      ['t1', 'verify_email'],
      ['t2', 'password_reset'],
      ['t3', 'email_change'],
    ] as const) {
      await db.insertInto('email_tokens').values(row(id, purpose)).execute();
    }
    await expect(db.insertInto('email_tokens').values(row('t4', 'login_link')).execute()).rejects.toThrow();
    await expect(
      db
        .insertInto('email_tokens')
        .values({ ...row('t5', 'email_change'), new_email: 'x'.repeat(255) })
        .execute(),
    ).rejects.toThrow();
  });

  it('keeps one account_devices row per account and device', async () => {
    const db = testDb.database.db;
    await db.insertInto('users').values(user('dev1', 'dev@example.com')).execute();
    const device = { user_id: 'dev1', device_key: 'a'.repeat(64), first_seen_at: now, last_seen_at: now };
    await db.insertInto('account_devices').values(device).execute();
    await expect(db.insertInto('account_devices').values(device).execute()).rejects.toThrow();
  });

  it('creates the attachments table (with the sweeper columns of 0007 and the position of 0013) the same on both dialects', async () => {
    const columns = await describeTable(testDb, 'attachments');
    expect(columns.map((c) => c.name)).toEqual([
      'content_type',
      'conversation_id',
      'created_at',
      'deleted_at',
      'id',
      'message_id',
      'name',
      'position',
      'purge_claim',
      'purge_claimed_at',
      'purged_at',
      'sha256',
      'size',
      'storage_key',
      'uploader_id',
    ]);
    schemas[`${kind}:attachments`] = columns;
    const other = schemas[`${kind === 'sqlite' ? 'mariadb' : 'sqlite'}:attachments`];
    if (other) expect(columns).toEqual(other);
  });

  it('keeps at most one active authenticator per user, any number of pending or disabled ones', async () => {
    const db = testDb.database.db;
    await db.insertInto('users').values(user('totp1', 'totp@example.com')).execute();
    const factor = (id: string, confirmed: string | null, disabled: string | null) => ({
      id,
      user_id: 'totp1',
      secret_sealed: 'v1.kid.nonce.body',
      created_at: now,
      confirmed_at: confirmed,
      disabled_at: disabled,
      last_used_step: null,
    });
    await db
      .insertInto('totp_factors')
      .values([
        factor('f1', now, null),
        factor('f2', null, null),
        factor('f3', now, now),
        factor('f4', now, now),
      ])
      .execute();
    await expect(
      db
        .insertInto('totp_factors')
        .values(factor('f5', now, null))
        .execute(),
    ).rejects.toThrow();
    // Confirming the pending one while another is active breaks the unique index too.
    await expect(
      db.updateTable('totp_factors').set({ confirmed_at: now }).where('id', '=', 'f2').execute(),
    ).rejects.toThrow();
    const active = await db
      .selectFrom('totp_factors')
      .select(['id', 'active_user_id'])
      .orderBy('id')
      .execute();
    expect(active).toEqual([
      { id: 'f1', active_user_id: 'totp1' },
      { id: 'f2', active_user_id: null },
      { id: 'f3', active_user_id: null },
      { id: 'f4', active_user_id: null },
    ]);
  });

  it('indexes message text for search: FULLTEXT on MySQL, FTS5 and triggers on SQLite (migration 0014)', async () => {
    const columns = (await describeTable(testDb, 'messages')).filter((c) => c.name !== 'search_text');
    schemas[`${kind}:messages`] = columns;
    const other = schemas[`${kind === 'sqlite' ? 'mariadb' : 'sqlite'}:messages`];
    if (other) expect(columns).toEqual(other);
    const query =
      kind === 'sqlite'
        ? sql<{ name: string }>`select name from sqlite_master
            where name in ('message_search', 'message_search_rows', 'messages_search_insert', 'messages_search_update')
            order by name`
        : sql<{ name: string }>`select concat(index_name, ':', index_type, ':', column_name) as name
            from information_schema.statistics
            where table_schema = database() and table_name = 'messages' and index_name = 'messages_search'`;
    const { rows } = await query.execute(testDb.database.db);
    expect(rows.map((row) => row.name)).toEqual(
      kind === 'sqlite'
        ? ['message_search', 'message_search_rows', 'messages_search_insert', 'messages_search_update']
        : ['messages_search:FULLTEXT:search_text'],
    );
  });

  it('round-trips times in one format', async () => {
    await testDb.database.db.insertInto('users').values(user('time1', 'time@example.com')).execute();
    const row = await testDb.database.db
      .selectFrom('users')
      .select('created_at')
      .where('id', '=', 'time1')
      .executeTakeFirstOrThrow();
    expect(fromDbTime(row.created_at)).toBe('2026-01-02T03:04:05.678Z');
  });

  it('stores text exactly, including emoji and non-Latin scripts', async () => {
    const name = 'Zoë 🦊 数据 ﷽';
    await testDb.database.db
      .insertInto('users')
      .values({ ...user('utf1', 'utf@example.com'), display_name: name })
      .execute();
    const row = await testDb.database.db
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', 'utf1')
      .executeTakeFirstOrThrow();
    expect(row.display_name).toBe(name);
  });

  it('0018: messages are text and members unmuted and unarchived by default; a timeline target must be a user', async () => {
    const db = testDb.database.db;
    await db.insertInto('users').values(user('g18a', 'g18a@example.com')).execute();
    const conversation = {
      id: 'g18c',
      type: 'group' as const,
      title: 'Schema',
      direct_key: null,
      created_by: 'g18a',
      last_seq: 0,
      last_rev: 0,
      last_message_at: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    await db.insertInto('conversations').values(conversation).execute();
    await db
      .insertInto('conversation_members')
      .values({
        conversation_id: 'g18c',
        user_id: 'g18a',
        role: 'owner',
        joined_at: now,
        left_at: null,
        last_read_seq: 0,
      })
      .execute();
    const message = {
      id: 'g18m1',
      conversation_id: 'g18c',
      seq: 1,
      rev: 1,
      sender_id: 'g18a',
      client_id: 'c1',
      body: 'hi',
      created_at: now,
      edited_at: null,
      deleted_at: null,
      reply_to_id: null,
      system_event: null,
      system_target_id: null,
      system_title: null,
    };
    await db.insertInto('messages').values(message).execute();
    const stored = await db
      .selectFrom('messages')
      .select(['kind', 'system_event'])
      .where('id', '=', 'g18m1')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ kind: 'text', system_event: null });
    const member = await db
      .selectFrom('conversation_members')
      .select(['muted', 'archived_at_seq'])
      .where('conversation_id', '=', 'g18c')
      .executeTakeFirstOrThrow();
    expect({ muted: Number(member.muted), archived: member.archived_at_seq }).toEqual({
      muted: 0,
      archived: null,
    });
    await expect(
      db
        .insertInto('messages')
        .values({
          ...message,
          id: 'g18m2',
          seq: 2,
          client_id: 'c2',
          body: '',
          kind: 'system',
          system_event: 'removed',
          system_target_id: 'nobody',
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('enforces column lengths in the database itself', async () => {
    await expect(
      testDb.database.db
        .insertInto('users')
        .values({ ...user('len1', 'len@example.com'), display_name: 'x'.repeat(101) })
        .execute(),
    ).rejects.toThrow();
  });

  it('keeps emails unique among live users only, and soft delete hides without removing', async () => {
    const db = testDb.database.db;
    await db.insertInto('users').values(user('a1', 'same@example.com')).execute();
    await expect(db.insertInto('users').values(user('a2', 'same@example.com')).execute()).rejects.toThrow();

    expect(await softDelete(db, 'users', 'a1')).toBe(true);
    expect(await softDelete(db, 'users', 'a1')).toBe(false);
    await db.insertInto('users').values(user('a3', 'same@example.com')).execute();

    const live = await selectLive(db, 'users').select('id').where('email', '=', 'same@example.com').execute();
    expect(live.map((row) => row.id)).toEqual(['a3']);
    const all = await db
      .selectFrom('users')
      .select(['id', 'deleted_at'])
      .where('email', '=', 'same@example.com')
      .orderBy('id')
      .execute();
    expect(all.map((row) => row.id)).toEqual(['a1', 'a3']);
    expect(all[0]?.deleted_at).not.toBeNull();
  });
});
