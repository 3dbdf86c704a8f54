/** The baseline: raw mysql2 single-row INSERTs (autocommit) into the same `messages` table, N connections. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createConnection } from 'mysql2/promise';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newMessageId } from '../../apps/api/src/ids.js';
import type { Fixture } from './fixture.js';
import { between, type ProbeContext, probe } from './probe.js';
import { bodyText, round, settings } from './settings.js';

export async function runBaseline(adminUrl: string, fixture: Fixture, ctx: ProbeContext) {
  const url = new URL(adminUrl);
  url.pathname = '/parley';
  const connections = await Promise.all(
    fixture.baselineConversations.map(() => createConnection({ uri: url.toString() })),
  );
  const sender = (fixture.users[0] as { id: string }).id;
  const sql =
    'INSERT INTO messages (id, conversation_id, seq, rev, sender_id, client_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
  // Warm the prepared statement on every connection (not counted).
  const before = await probe(ctx);
  const start = performance.now();
  const end = start + settings.baselineSeconds * 1000;
  let rows = 0;
  let lastCommit = start;
  await Promise.all(
    connections.map(async (connection, w) => {
      const conversation = fixture.baselineConversations[w] as string;
      let seq = 0;
      while (performance.now() < end) {
        seq += 1;
        await connection.execute(sql, [
          newMessageId(),
          conversation,
          seq,
          seq,
          sender,
          randomUUID(),
          bodyText(seq),
          toDbTime(new Date()),
        ]);
        rows += 1;
        lastCommit = performance.now();
      }
    }),
  );
  const after = await probe(ctx);
  await Promise.all(connections.map((c) => c.end()));
  const elapsed = (lastCommit - start) / 1000;
  return {
    connections: settings.baselineConnections,
    seconds: round(elapsed, 2),
    rows,
    rowsPerSecond: Math.round(rows / elapsed),
    ...between(before, after, rows),
  };
}
