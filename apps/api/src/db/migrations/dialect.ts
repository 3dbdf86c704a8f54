import { type CreateTableBuilder, type Kysely, MysqlAdapter, sql } from 'kysely';

export type MigrationDialect = 'mysql' | 'sqlite';

export function dialectOf(db: AnyKysely): MigrationDialect {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'sqlite';
}

/** Column types and table options that differ between MySQL/MariaDB and SQLite. */
export function types(dialect: MigrationDialect) {
  return {
    /** DATETIME(3) on MySQL; TEXT in the same `YYYY-MM-DD HH:MM:SS.mmm` format on SQLite. */
    time: dialect === 'mysql' ? ('datetime(3)' as const) : ('text' as const),
  };
}

/**
 * Finishes a CREATE TABLE: utf8mb4 with binary collation on MySQL (exact bytes, emoji), and on SQLite the
 * length CHECKs that MySQL's VARCHAR(n) enforces by itself.
 */
export function finishTable<T extends string, C extends string>(
  dialect: MigrationDialect,
  builder: CreateTableBuilder<T, C>,
  lengths: Record<string, number>,
): CreateTableBuilder<T, C> {
  if (dialect === 'mysql') {
    return builder.modifyEnd(sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }
  let result = builder;
  for (const [column, max] of Object.entries(lengths)) {
    result = result.addCheckConstraint(
      `${column}_length`,
      sql`length(${sql.ref(column)}) <= ${sql.lit(max)}`,
    );
  }
  return result;
}

/**
 * Runs `work` with InnoDB's FULLTEXT stopword list off in this session (MySQL; the migrator holds one
 * connection). The `messages_search` index (migration 0014) is built without stopwords, and any ALTER that
 * rebuilds `messages` (a new foreign key copies the table) rebuilds that index with the session's setting:
 * without this, words like "the" would silently drop out of search.
 */
export async function withoutFulltextStopwords(db: AnyKysely, work: () => Promise<void>): Promise<void> {
  await sql`set session innodb_ft_enable_stopword = 0`.execute(db);
  try {
    await work();
  } finally {
    await sql`set session innodb_ft_enable_stopword = 1`.execute(db);
  }
}

/** Migrations and the migrator work on any schema version, so they see the database untyped. */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's documented type for migrations is Kysely<any>.
export type AnyKysely = Kysely<any>;
