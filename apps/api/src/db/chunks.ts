import { setImmediate as nextMacrotask } from 'node:timers/promises';

/**
 * Most ids one `IN (…)` list (or one batch of per-row conditions) carries. Far under SQLite's variable
 * limit (32,766 in the bundled build, 999 in old ones) and its expression depth (1,000, which an OR chain
 * counts against), a few kilobytes against MySQL's max_allowed_packet, and small enough that one chunk's
 * query and the work on its rows take a few milliseconds, not a blocking stretch.
 */
export const IN_CHUNK = 500;

/** Splits a list into consecutive slices of at most `size` items. */
export function chunked<T>(items: readonly T[], size: number = IN_CHUNK): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer`);
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

/**
 * Lets timers, I/O and other requests run before going on. better-sqlite3 is synchronous, so a chain of
 * awaited SQLite queries never leaves the microtask queue on its own: long loops call this between chunks.
 */
export function yieldToEventLoop(): Promise<void> {
  return nextMacrotask();
}

/**
 * Runs one query per slice of `ids` (never one list of every id), one slice at a time with a yield to the
 * event loop between slices, and concatenates the rows. An empty list runs no query.
 */
export async function selectInChunks<Id, Row>(
  ids: readonly Id[],
  query: (slice: Id[]) => Promise<readonly Row[]>,
  size: number = IN_CHUNK,
): Promise<Row[]> {
  const rows: Row[] = [];
  const slices = chunked([...new Set(ids)], size);
  for (const [index, slice] of slices.entries()) {
    if (index > 0) await yieldToEventLoop();
    rows.push(...(await query(slice)));
  }
  return rows;
}

/** Like `selectInChunks` for statements that return nothing (UPDATE … WHERE id IN …). */
export async function runInChunks<Id>(
  ids: readonly Id[],
  statement: (slice: Id[]) => Promise<unknown>,
  size: number = IN_CHUNK,
): Promise<void> {
  await selectInChunks(
    ids,
    async (slice) => {
      await statement(slice);
      return [];
    },
    size,
  );
}
