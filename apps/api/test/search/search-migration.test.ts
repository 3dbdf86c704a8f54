import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMysqlKysely, createSqliteKysely } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import type { DB } from '../../src/db/schema.js';
import { toDbTime } from '../../src/db/time.js';
import { searchMessageRows } from '../../src/modules/search/message-search.repository.js';
import { parseSearchQuery } from '../../src/modules/search/search-query.js';
import { DB_KINDS, type TestDbKind } from '../helpers/database.js';

const now = toDbTime(new Date('2026-03-04T05:06:07.089Z'));

/** A database with every migration but search's (0014), with the admin account on MariaDB (as the bootstrap runs it). */
async function databaseBeforeSearch(
  kind: TestDbKind,
): Promise<{ db: Kysely<DB>; cleanup: () => Promise<void> }> {
  let db: Kysely<DB>;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-search-migration-'));
    db = createSqliteKysely(path.join(dir, 'parley.db'));
    cleanup = async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const schema = `parley_t_${randomBytes(6).toString('hex')}`;
    const admin = new URL(inject('mariadbAdminUrl'));
    const server = createMysqlKysely({ uri: admin.href, connectionLimit: 1 });
    await sql`create database ${sql.id(schema)} character set utf8mb4 collate utf8mb4_bin`.execute(server);
    await server.destroy();
    admin.pathname = `/${schema}`;
    db = createMysqlKysely({ uri: admin.href, connectionLimit: 1 });
    cleanup = async () => {
      await sql`drop database ${sql.id(schema)}`.execute(db);
      await db.destroy();
    };
  }
  // As users' databases are when it lands: every other migration applied, 0016 (named after it) too.
  const { '0014-search': _search, ...others } = migrations;
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => others },
  }).migrateToLatest();
  if (error) throw error;
  return { db, cleanup };
}

describe.each(DB_KINDS)('migration 0014-search over existing messages on %s', (kind) => {
  let db: Kysely<DB>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await databaseBeforeSearch(kind));
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'u1@example.com',
        password_hash: 'x',
        display_name: 'U1',
        email_verified_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
    await db
      .insertInto('conversations')
      .values({
        id: 'c1',
        type: 'group',
        title: 'Old',
        created_by: 'u1',
        last_seq: 3,
        last_rev: 3,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('conversation_members')
      .values({ conversation_id: 'c1', user_id: 'u1', role: 'owner', joined_at: now, last_read_seq: 0 })
      .execute();
    const message = (seq: number, body: string, deleted: boolean) => ({
      id: `m${seq}`,
      conversation_id: 'c1',
      seq,
      rev: seq,
      sender_id: 'u1',
      client_id: `00000000-0000-4000-8000-00000000000${seq}`,
      body,
      created_at: now,
      edited_at: null,
      deleted_at: deleted ? now : null,
    });
    await db
      .insertInto('messages')
      .values([
        message(1, 'Legacy deploy notes', false),
        message(2, 'legacy secret, deleted', true),
        message(3, 'an ox', false),
      ])
      .execute();
    // Applied after 0016 (a later name): migrate.ts allows that, Kysely's default would refuse it.
    expect(await migrateToLatest(db)).toEqual(['0014-search']);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('makes the messages written before it searchable, deleted ones excepted', async () => {
    const find = async (q: string) =>
      (await searchMessageRows(db, parseSearchQuery(q), { userId: 'u1', limit: 10 })).rows.map(
        (row) => row.id,
      );
    expect(await find('legacy')).toEqual(['m1']);
    expect(await find('deploy*')).toEqual(['m1']);
    expect(await find('secret')).toEqual([]);
    expect(await find('ox')).toEqual(['m3']);
  });

  it('keeps later writes in step: a new message, an edit, a delete', async () => {
    await db
      .insertInto('messages')
      .values({
        id: 'm4',
        conversation_id: 'c1',
        seq: 4,
        rev: 4,
        sender_id: 'u1',
        client_id: '00000000-0000-4000-8000-000000000004',
        body: 'fresh words',
        created_at: now,
        edited_at: null,
        deleted_at: null,
      })
      .execute();
    const find = async (q: string) =>
      (await searchMessageRows(db, parseSearchQuery(q), { userId: 'u1', limit: 10 })).rows.map(
        (row) => row.id,
      );
    expect(await find('fresh')).toEqual(['m4']);
    await db
      .updateTable('messages')
      .set({ body: 'renewed words', edited_at: now })
      .where('id', '=', 'm4')
      .execute();
    expect(await find('fresh')).toEqual([]);
    expect(await find('renewed')).toEqual(['m4']);
    await db.updateTable('messages').set({ deleted_at: now }).where('id', '=', 'm4').execute();
    expect(await find('renewed')).toEqual([]);
    if (kind === 'sqlite') {
      // The FTS5 index itself dropped it (not only the query's deleted_at filter).
      const { rows } = await sql<{ n: number }>`select count(*) as n from message_search
        where message_search match '"renewed" OR "fresh" OR "secret"'`.execute(db);
      expect(Number(rows[0]?.n)).toBe(0);
    }
  });
});
