import { sql } from 'kysely';
import { type AnyKysely, dialectOf, withoutFulltextStopwords } from './dialect.js';

/**
 * Full-text search over message text (issue 12). What is searchable: the text of live messages, as it
 * is now (an edit replaces the old words, a delete removes them), kept in step by the database itself
 * inside the transaction that writes the message, whatever code path writes it.
 *
 * MySQL/MariaDB: `messages.search_text`, an INVISIBLE stored generated column (the body while the message
 * is live, NULL once deleted; `SELECT *` does not return it) in a case- and accent-insensitive collation
 * (the body itself is utf8mb4_bin, which would make the index case-sensitive), with an InnoDB FULLTEXT
 * index. The index is built without a stopword list (the session's `innodb_ft_enable_stopword` at creation
 * time decides, and InnoDB's default list would make `+the` match nothing); words shorter than
 * `innodb_ft_min_token_size` are not in it, and the search falls back to a pattern for them
 * (modules/search/message-search.repository.ts). An index on (conversation_id, created_at) serves the
 * search's scan of the newest messages, which answers frequent words (the FULLTEXT index is slow for them).
 *
 * SQLite: `message_search`, a contentless FTS5 table (`contentless_delete`: rows can be replaced), whose
 * rowid is the INTEGER PRIMARY KEY of `message_search_rows` (one per message; message rowids are not
 * stable, VACUUM may renumber them), and triggers on `messages` that index a new message, re-index an
 * edited one and drop a deleted one. Tokens: letters, digits, marks and `_` (as InnoDB), lower-cased
 * with diacritics removed (as the MySQL collation compares). These two tables exist on SQLite only.
 *
 * The migration runs through the admin account on MySQL (the app's account cannot ALTER), on one
 * connection (Kysely's migrator holds one for MySQL), so the session setting reaches the CREATE INDEX.
 */
export async function up(db: AnyKysely): Promise<void> {
  if (dialectOf(db) === 'mysql') {
    await sql`alter table messages add column search_text text
      character set utf8mb4 collate utf8mb4_unicode_ci
      generated always as (case when deleted_at is null then body end) stored invisible`.execute(db);
    await withoutFulltextStopwords(db, async () => {
      await sql`create fulltext index messages_search on messages (search_text)`.execute(db);
    });
    // The search's recent scan reads each conversation's newest messages by time.
    await db.schema
      .createIndex('messages_conversation_created')
      .on('messages')
      .columns(['conversation_id', 'created_at'])
      .execute();
    return;
  }

  await sql`create table message_search_rows (
      id integer primary key,
      message_id varchar(32) not null unique references messages (id),
      check (length(message_id) <= 32)
    )`.execute(db);
  await sql`create virtual table message_search using fts5 (
      body,
      content = '',
      contentless_delete = 1,
      tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*' tokenchars '_'",
      prefix = '2 3'
    )`.execute(db);
  await sql`insert into message_search_rows (message_id) select id from messages order by created_at, id`.execute(
    db,
  );
  await sql`insert into message_search (rowid, body)
    select r.id, m.body from message_search_rows r join messages m on m.id = r.message_id
    where m.deleted_at is null`.execute(db);
  await sql`create trigger messages_search_insert after insert on messages begin
      insert into message_search_rows (message_id) values (new.id);
      insert into message_search (rowid, body)
        select id, new.body from message_search_rows where message_id = new.id and new.deleted_at is null;
    end`.execute(db);
  await sql`create trigger messages_search_update after update of body, deleted_at on messages begin
      delete from message_search
        where old.deleted_at is null
          and rowid = (select id from message_search_rows where message_id = old.id);
      insert into message_search (rowid, body)
        select id, new.body from message_search_rows where message_id = new.id and new.deleted_at is null;
    end`.execute(db);
}
