import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatchedLookup } from '../../src/db/batched-lookup.js';

/**
 * A stand-in for a table: `rows` is what is committed now. Each query reads the rows when it starts
 * (as a database statement sees the data committed before it began) and answers when the test lets it.
 */
function fakeTable() {
  const rows = new Map<string, string>();
  const queries: { keys: string[]; answer: () => void; fail: (error: Error) => void }[] = [];
  const query = (keys: string[]) =>
    new Promise<ReadonlyMap<string, string>>((resolve, reject) => {
      const seen = new Map<string, string>();
      for (const key of keys) {
        const row = rows.get(key);
        if (row !== undefined) seen.set(key, row);
      }
      queries.push({ keys, answer: () => resolve(seen), fail: reject });
    });
  return { rows, queries, query };
}

describe('batched lookup', () => {
  it('answers the lookups of one turn with one query over their distinct keys', async () => {
    const table = fakeTable();
    table.rows.set('a', 'row a').set('b', 'row b');
    const lookup = new BatchedLookup(table.query);
    const pending = [lookup.load('a'), lookup.load('b'), lookup.load('a'), lookup.load('missing')];
    await nextTurn();
    expect(table.queries.map((q) => q.keys)).toEqual([['a', 'b', 'missing']]);
    table.queries[0]?.answer();
    expect(await Promise.all(pending)).toEqual(['row a', 'row b', 'row a', undefined]);
  });

  it('never answers a lookup with a query that started before it: a change committed meanwhile is seen', async () => {
    const table = fakeTable();
    table.rows.set('session', 'live');
    const lookup = new BatchedLookup(table.query);
    const early = lookup.load('session');
    await nextTurn();
    expect(table.queries).toHaveLength(1);
    // While that query runs, the session is revoked (committed), and then a new request asks.
    table.rows.delete('session');
    const late = lookup.load('session');
    await nextTurn();
    expect(table.queries).toHaveLength(1); // it waits: one query at a time by default
    table.queries[0]?.answer();
    expect(await early).toBe('live');
    await nextTurn();
    await nextTurn();
    expect(table.queries).toHaveLength(2);
    table.queries[1]?.answer();
    expect(await late).toBeUndefined();
  });

  it('lets lookups that waited during a query share the next one', async () => {
    const table = fakeTable();
    for (const key of ['a', 'b', 'c']) table.rows.set(key, key.toUpperCase());
    const lookup = new BatchedLookup(table.query);
    const first = lookup.load('a');
    await nextTurn();
    const waiting = [lookup.load('b'), lookup.load('c'), lookup.load('a')];
    await nextTurn();
    table.queries[0]?.answer();
    await first;
    await nextTurn();
    await nextTurn();
    expect(table.queries.map((q) => q.keys)).toEqual([['a'], ['b', 'c', 'a']]);
    table.queries[1]?.answer();
    expect(await Promise.all(waiting)).toEqual(['B', 'C', 'A']);
  });

  it('runs up to maxInFlight queries at once and at most maxKeys keys per query', async () => {
    const table = fakeTable();
    const lookup = new BatchedLookup(table.query, { maxInFlight: 2, maxKeys: 2 });
    const pending = ['a', 'b', 'c', 'd', 'e'].map((key) => lookup.load(key));
    await nextTurn();
    expect(table.queries.map((q) => q.keys)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(lookup.inFlight).toBe(2);
    table.queries[0]?.answer();
    await nextTurn();
    await nextTurn();
    expect(table.queries.map((q) => q.keys)).toContainEqual(['e']);
    for (const q of table.queries.slice(1)) q.answer();
    expect(await Promise.all(pending)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(lookup.inFlight).toBe(0);
  });

  it('rejects only the lookups of a failed query; later lookups get a new query', async () => {
    const table = fakeTable();
    table.rows.set('a', 'row a');
    const lookup = new BatchedLookup(table.query);
    const failed = lookup.load('a');
    await nextTurn();
    table.queries[0]?.fail(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    const after = lookup.load('a');
    await nextTurn();
    table.queries[1]?.answer();
    expect(await after).toBe('row a');
  });

  it('turns a query that throws synchronously into rejected lookups', async () => {
    const lookup = new BatchedLookup<string, string>(() => {
      throw new Error('no pool');
    });
    await expect(Promise.all([lookup.load('a'), lookup.load('b')])).rejects.toThrow('no pool');
    expect(lookup.inFlight).toBe(0);
  });

  it('refuses nonsense options', () => {
    const query = async () => new Map<string, string>();
    expect(() => new BatchedLookup(query, { maxInFlight: 0 })).toThrow(RangeError);
    expect(() => new BatchedLookup(query, { maxKeys: 1.5 })).toThrow(RangeError);
  });
});
