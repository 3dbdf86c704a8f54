import { sql } from 'kysely';
import type { Executor } from '../../db/schema.js';

/*
 * What the MySQL search plan needs to know of the server and the table: the FULLTEXT token sizes and
 * roughly how many messages there are, each read once per database (and the count refreshed now and then).
 */

/** The shortest and longest words InnoDB puts in a FULLTEXT index (server settings, read once). */
export interface TokenSizes {
  readonly min: number;
  readonly max: number;
}

const tokenSizes = new WeakMap<object, Promise<TokenSizes>>();

export function mysqlTokenSizes(db: Executor): Promise<TokenSizes> {
  let sizes = tokenSizes.get(db);
  if (!sizes) {
    sizes = sql<{ min: number | string; max: number | string }>`select
        @@innodb_ft_min_token_size as min, @@innodb_ft_max_token_size as max`
      .execute(db)
      .then(({ rows: [row] }) => ({ min: Number(row?.min ?? 3), max: Number(row?.max ?? 84) }));
    sizes.catch(() => tokenSizes.delete(db));
    tokenSizes.set(db, sizes);
  }
  return sizes;
}

const messageCounts = new WeakMap<object, { readonly at: number; readonly count: Promise<number> }>();

/** About how many messages the table holds (InnoDB's estimate, re-read every 10 minutes). */
export function estimatedMessageCount(db: Executor): Promise<number> {
  const cached = messageCounts.get(db);
  if (cached && Date.now() - cached.at < 600_000) return cached.count;
  const count = sql<{ n: number | string | null }>`select table_rows as n from information_schema.tables
      where table_schema = database() and table_name = 'messages'`
    .execute(db)
    .then(({ rows: [row] }) => Number(row?.n ?? 0));
  count.catch(() => messageCounts.delete(db));
  messageCounts.set(db, { at: Date.now(), count });
  return count;
}
