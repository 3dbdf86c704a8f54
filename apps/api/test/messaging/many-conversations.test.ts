import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Conversation } from '@parley/contract';
import type { FastifyInstance } from 'fastify';
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/services/redis.js';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import type { DB } from '../../src/db/schema.js';
import { toDbTime } from '../../src/db/time.js';
import { newId } from '../../src/ids.js';
import { buildTestApp } from '../helpers/app.js';
import { call, signUp } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { send } from '../helpers/messaging.js';
import { connectWs, type WsClient } from '../helpers/ws-client.js';

type User = Awaited<ReturnType<typeof signUp>>;

const CONVERSATIONS = 20_000;
/** What "answers other clients within 100 ms" means for a single-threaded server: no longer stall. */
const MAX_STALL_MS = 100;

/** Counts every statement the app sends to the database. */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    this.count += 1;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

/**
 * The attack from the issue: someone else puts the victim into thousands of groups. Seeded straight into
 * the tables with multi-row inserts (the API would refuse past MAX_CONVERSATIONS_PER_USER): the server
 * must cope with whatever the database holds.
 */
async function seedGroups(
  db: Kysely<DB>,
  ownerId: string,
  memberId: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const base = Date.parse('2024-01-01T00:00:00Z');
  const rows = 1_000;
  for (let start = 0; start < count; start += rows) {
    const slice = Array.from({ length: Math.min(rows, count - start) }, (_, offset) => ({
      id: newId(),
      at: toDbTime(new Date(base + (start + offset) * 1_000)),
    }));
    ids.push(...slice.map((row) => row.id));
    await db
      .insertInto('conversations')
      .values(
        slice.map(({ id, at }) => ({
          id,
          type: 'group' as const,
          title: `Spam ${id}`,
          direct_key: null,
          created_by: ownerId,
          last_seq: 0,
          last_rev: 0,
          last_message_at: null,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        })),
      )
      .execute();
    await db
      .insertInto('conversation_members')
      .values(
        slice.flatMap(({ id, at }) => [
          { conversation_id: id, user_id: ownerId, role: 'owner' as const, joined_at: at, last_read_seq: 0 },
          {
            conversation_id: id,
            user_id: memberId,
            role: 'member' as const,
            joined_at: at,
            last_read_seq: 0,
          },
        ]),
      )
      .execute();
  }
  return ids;
}

/** The longest the event loop was held while `work` ran, measured by Node's event-loop-delay histogram. */
async function longestStallMs<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/**
 * How far a run's longest stall exceeds what the machine itself imposed meanwhile. Each attempt first
 * measures an idle window of the same event loop (timers and nothing else: any stall there is the
 * process being descheduled on a shared 2-core machine, not our code), then the work; the work's excess
 * over that control is what our code blocked. The quietest of up to five attempts counts. A regression
 * (one query per conversation, a synchronous pass over 20,000 rows) blocks for seconds in every attempt,
 * so it still fails; on an idle machine the control is ~0 and this is the plain stall.
 */
async function quietestStallMs<T>(
  work: () => Promise<T>,
  attempts = 5,
): Promise<{ result: T; stallMs: number; controlMs: number }> {
  let best: { result: T; stallMs: number; controlMs: number } | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const control = await longestStallMs(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
    const run = await longestStallMs(work);
    const excess = Math.max(0, run.stallMs - control.stallMs);
    if (!best || excess < best.stallMs)
      best = { result: run.result, stallMs: excess, controlMs: control.stallMs };
    if (best.stallMs < MAX_STALL_MS) break;
  }
  return best as { result: T; stallMs: number; controlMs: number };
}

describe('the event-loop-delay measurement', () => {
  it('sees a stall when there is one (so the checks below can fail)', async () => {
    const { stallMs } = await longestStallMs(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = performance.now() + 2 * MAX_STALL_MS;
      while (performance.now() < until) {
        // Holds the event loop, as one query per conversation on SQLite did.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    });
    expect(stallMs).toBeGreaterThanOrEqual(MAX_STALL_MS);
  });
});

describe.each(DB_KINDS)('a user in 20,000 conversations, on %s', (kind) => {
  let smtp: SmtpCapture;
  let redis: RedisServer | undefined;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let victim: User;
  let spammer: User;
  let ids: string[];
  const queries = new QueryCounter();
  const open: WsClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    // MariaDB runs with Redis fan-out, so 20,000 channel subscriptions go through the real bus too.
    redis = kind === 'mariadb' ? await startRedis() : undefined;
    const base = await createTestDatabase(kind, {
      env: { SMTP_URL: smtp.url, ...(redis ? { REDIS_URL: redis.url } : {}) },
    });
    testDb = base;
    const counted = { ...base, database: { ...base.database, db: base.database.db.withPlugin(queries) } };
    app = await buildTestApp(counted);
    await app.listen({ port: 0, host: '127.0.0.1' });
    [victim, spammer] = await Promise.all([
      signUp(app, smtp, { displayName: 'Victim' }),
      signUp(app, smtp, { displayName: 'Spammer' }),
    ]);
    ids = (await seedGroups(base.database.db, spammer.userId, victim.userId, CONVERSATIONS)).sort();
  }, 120_000);

  afterAll(async () => {
    for (const client of open) client.close();
    await app?.close();
    await testDb?.cleanup();
    await redis?.stop();
    await smtp?.stop();
  });

  async function tab(): Promise<WsClient> {
    const client = await connectWs(app, { cookie: victim.session.cookie });
    open.push(client);
    return client;
  }

  it('connects (auth → ready) in a bounded number of queries while /api/health/live keeps answering', async () => {
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const { result, stallMs } = await quietestStallMs(async () => {
      const before = queries.count;
      const probes: Promise<number>[] = [];
      const probing = setInterval(() => {
        probes.push(fetch(`http://127.0.0.1:${address.port}/api/health/live`).then((r) => r.status));
      }, 20);
      try {
        const client = await tab();
        await client.next('ready', undefined, 120_000);
      } finally {
        clearInterval(probing);
      }
      return { statuses: await Promise.all(probes), used: queries.count - before };
    });
    expect(result.statuses.length).toBeGreaterThan(0);
    expect(result.statuses).toEqual(result.statuses.map(() => 200));
    // Per 500 conversations: ids, counters and their members (the presence snapshot), and the ids again
    // for announcing that the user came online (it may still be walking); plus the session checks: not
    // one per conversation.
    expect(result.used).toBeLessThanOrEqual(4 * Math.ceil(CONVERSATIONS / 500) + 10);
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
  }, 180_000);

  it('still delivers each live message of the first, a middle and the last conversation once', async () => {
    const client = await tab();
    await client.next('ready', undefined, 120_000);
    const targets = [ids[0], ids[Math.floor(ids.length / 2)], ids.at(-1)] as string[];
    const sent = [];
    for (const id of targets) sent.push(await send(app, spammer.session, id, `hello ${id}`));
    for (const message of sent) {
      const frame = await client.next('message', (f) => f.message.id === message.id);
      expect(frame.message.body).toBe(message.body);
    }
    const delivered = client.frames.filter((f) => f.type === 'message').map((f) => f.message.id);
    expect(delivered.sort()).toEqual(sent.map((m) => m.id).sort());
  }, 180_000);

  it('resumes 1,000 conversations with a counters read per 100 and a catch-up only where something changed', async () => {
    const client = await tab();
    await client.next('ready', undefined, 120_000);
    // The three conversations of the previous test have one message each; 997 others have none.
    const changed = [ids[0], ids[Math.floor(ids.length / 2)], ids.at(-1)] as string[];
    const unchanged = ids.filter((id) => !changed.includes(id)).slice(0, 997);
    const positions = Object.fromEntries([...changed, ...unchanged].map((id) => [id, { seq: 0, rev: 0 }]));
    const before = queries.count;
    const { stallMs } = await longestStallMs(async () => {
      client.send({ type: 'resume', positions });
      await client.next('resumed', undefined, 60_000);
    });
    const used = queries.count - before;
    const replayed = client.frames.filter((f) => f.type === 'message').map((f) => f.message.conversationId);
    expect(replayed.sort()).toEqual([...changed].sort());
    // 10 counter reads, then per changed conversation its own snapshot (counters, messages, attachments).
    expect(used).toBeLessThanOrEqual(10 + 3 * 4 + 5);
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
  }, 180_000);

  it('lists them a page at a time, newest activity first, without stalling', async () => {
    const { result: pages, stallMs } = await quietestStallMs(async () => {
      const first = await call(app, 'GET', '/api/conversations', { session: victim.session });
      expect(first.statusCode, first.body).toBe(200);
      const page1 = first.json() as { conversations: Conversation[]; nextCursor: string | null };
      const second = await call(
        app,
        'GET',
        `/api/conversations?limit=100&cursor=${encodeURIComponent(page1.nextCursor ?? '')}`,
        { session: victim.session },
      );
      expect(second.statusCode, second.body).toBe(200);
      return [page1, second.json() as typeof page1];
    });
    const [page1, page2] = pages as [
      { conversations: Conversation[]; nextCursor: string | null },
      { conversations: Conversation[]; nextCursor: string | null },
    ];
    expect(page1.conversations).toHaveLength(50);
    expect(page2.conversations).toHaveLength(100);
    expect(page2.nextCursor).not.toBeNull();
    const listed = [...page1.conversations, ...page2.conversations];
    // The three with a message are the newest; the rest follow by seeded activity time.
    expect(
      listed
        .slice(0, 3)
        .map((c) => c.id)
        .sort(),
    ).toEqual([ids[0], ids[Math.floor(ids.length / 2)], ids.at(-1)].sort());
    const times = listed.map((c) => c.updatedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(listed.map((c) => c.id)).size).toBe(150);
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
  }, 180_000);
});
