import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteKysely } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import type { DB } from '../../src/db/schema.js';

const now = '2026-01-02 03:04:05.678';

/**
 * SQLite cannot alter a CHECK, so 0010 rebuilds `email_tokens` (MySQL alters it in place, which keeps
 * rows by construction): the links issued before the upgrade must survive it unchanged.
 */
describe('migration 0010 on SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-0010-'));
  const db = createSqliteKysely<DB>(path.join(dir, 'parley.db'));
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every email link, index and constraint when it rebuilds email_tokens', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
    const before = await migrator.migrateTo('0008-smaller');
    expect(before.error).toBeUndefined();
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'old@example.com',
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$x',
        display_name: 'Old',
        email_verified_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
    const link = {
      id: 'l1',
      user_id: 'u1',
      purpose: 'password_reset' as const,
      email: 'old@example.com',
      password_fingerprint: 'f'.repeat(64),
      created_at: now,
      expires_at: now,
      consumed_at: null,
    };
    await db
      .insertInto('email_tokens' as never)
      .values(link as never)
      .execute();

    expect(await migrateToLatest(db)).toContain('0010-account-notices');

    const rows = await db.selectFrom('email_tokens').selectAll().execute();
    expect(rows).toEqual([{ ...link, new_email: null }]);
    const indexes = await db
      .selectFrom('sqlite_master' as never)
      .select('name' as never)
      .where('tbl_name' as never, '=', 'email_tokens' as never)
      .where('type' as never, '=', 'index' as never)
      .execute();
    expect(indexes.map((row) => (row as { name: string }).name)).toContain('email_tokens_user_id');
    await expect(
      db
        .insertInto('email_tokens')
        .values({ ...link, id: 'l2', purpose: 'nope' as never, new_email: null })
        .execute(),
    ).rejects.toThrow(/CHECK/);
    await expect(
      db
        .insertInto('email_tokens')
        .values({ ...link, id: 'l3', user_id: 'nobody', new_email: null })
        .execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});
