import type { SearchResults } from '@parley/contract';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpCapture, startSmtpCapture } from '../../../../scripts/services/smtp-capture.js';
import {
  SEARCH_TUNING,
  type SearchPageRequest,
  type SearchTuning,
  searchMessageRows,
} from '../../src/modules/search/message-search.repository.js';
import { decodeSearchCursor } from '../../src/modules/search/search-cursor.js';
import { parseSearchQuery } from '../../src/modules/search/search-query.js';
import { parseRate } from '../../src/platform/limits/rate.js';
import { buildTestApp } from '../helpers/app.js';
import { call, type Session, signUp, TestClock } from '../helpers/auth.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/database.js';
import { createDirect, createGroup, send } from '../helpers/messaging.js';

type User = Awaited<ReturnType<typeof signUp>>;

/**
 * The corpus, sent in this order a second apart (so "newest first" is one order on both engines). Keys
 * name the messages in expectations; `alice` is a member of `team` and `direct` only.
 */
const CORPUS = [
  ['api', 'team', 'Deploy the API to production today'],
  ['failed', 'team', 'The deployment failed: check the logs'],
  ['cafe', 'team', 'Café au lait at the office?'],
  ['home', 'team', "go home, it's late"],
  ['snake', 'team', "snake_case names and don't stop"],
  ['fix', 'team', 'deploy a fix'],
  ['redeploy', 'team', 'Redeploy later'],
  ['notes', 'direct', 'deploy notes for Carol'],
  ['secret', 'others', 'deploy secret plan'],
  ['deleted', 'team', 'deploy deleted thing'],
  ['edited', 'team', 'old wording banana'],
  ['left', 'former', 'deploy from the group alice left'],
  ['caps', 'team', 'DEPLOY IN CAPS'],
  ['short', 'team', 'an ox is ok'],
  ['marker', 'team', '<mark>fake</mark> mango'],
  ['long', 'team', `${'lorem ipsum '.repeat(20)}needle${' dolor sit amet'.repeat(20)}`],
] as const;
type Key = (typeof CORPUS)[number][0];

/** What alice finds for each query, newest first; the same on every engine. */
const EXPECTED: readonly [string, readonly Key[]][] = [
  ['deploy', ['caps', 'notes', 'fix', 'api']],
  ['DEPLOY', ['caps', 'notes', 'fix', 'api']],
  ['deploy*', ['caps', 'notes', 'fix', 'failed', 'api']],
  ['de*', ['caps', 'notes', 'fix', 'failed', 'api']],
  ['"deploy the api"', ['api']],
  ['“deploy the API”', ['api']],
  ['"deploy fix"', []],
  ['"deploy a fix"', ['fix']],
  ['deploy today', ['api']],
  ['café', ['cafe']],
  ['CAFE', ['cafe']],
  ['go', ['home']],
  ['it', ['home']],
  ['ox', ['short']],
  ['ok ox', ['short']],
  ['"an ox"', ['short']],
  ['the', ['cafe', 'failed', 'api']],
  ['snake_case', ['snake']],
  ['snake', []],
  ["don't", ['snake']],
  ['cherry', ['edited']],
  ['banana', []],
  ['wording', ['edited']],
  ['deleted', []],
  ['secret', []],
  ['left', []],
  ['mango', ['marker']],
  ['needle', ['long']],
  ['nothinglikethis', []],
];

const BAD_QUERIES = ['"unclosed', '*', 'de*ploy', 'a*', '"deploy*"', '!!!', '', ' ', 'x'.repeat(201)];

/** Results of every engine, to compare them whole (ids, order and snippets). */
const seen: Record<string, unknown> = {};

describe.each(DB_KINDS)('message search on %s', (kind) => {
  let smtp: SmtpCapture;
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const clock = new TestClock();
  let alice: User;
  let bob: User;
  let carol: User;
  const ids = new Map<Key, string>();
  const keyOf = new Map<string, Key>();
  const conversations: Record<string, string> = {};

  const search = async (session: Session, query: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams(
      Object.entries(query).flatMap(([k, v]): [string, string][] =>
        v === undefined ? [] : [[k, String(v)]],
      ),
    );
    return call(app, 'GET', `/api/search?${params}`, { session });
  };
  const found = async (q: string, extra: Record<string, string | number> = {}, session = alice.session) => {
    const response = await search(session, { q, ...extra });
    expect(response.statusCode, response.body).toBe(200);
    const body: SearchResults = response.json();
    return body.results.map((result) => keyOf.get(result.message.id) ?? result.message.id);
  };

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    testDb = await createTestDatabase(kind, { env: { SMTP_URL: smtp.url, LIMIT_SEARCHES: '1000/60s' } });
    app = await buildTestApp(testDb, { now: clock.now });
    [alice, bob, carol] = await Promise.all([signUp(app, smtp), signUp(app, smtp), signUp(app, smtp)]);
    conversations.team = (await createGroup(app, alice.session, 'Team', [bob.userId])).id;
    conversations.direct = (await createDirect(app, alice.session, carol.userId)).id;
    conversations.others = (await createGroup(app, bob.session, 'Others', [carol.userId])).id;
    conversations.former = (await createGroup(app, bob.session, 'Former', [alice.userId])).id;
    for (const [key, where, body] of CORPUS) {
      clock.advance(1_000);
      const sender = where === 'direct' ? carol : bob;
      const message = await send(app, sender.session, conversations[where] ?? '', body);
      ids.set(key, message.id);
      keyOf.set(message.id, key);
    }
    clock.advance(1_000);
    const deleted = await call(app, 'DELETE', `/api/messages/${ids.get('deleted')}`, {
      session: bob.session,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const edited = await call(app, 'PATCH', `/api/messages/${ids.get('edited')}`, {
      session: bob.session,
      body: { body: 'new wording cherry' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const left = await call(
      app,
      'DELETE',
      `/api/conversations/${conversations.former}/members/${alice.userId}`,
      {
        session: alice.session,
      },
    );
    expect(left.statusCode, left.body).toBe(204);
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
    await smtp?.stop();
  });

  it.each(EXPECTED)('finds %j', async (q, expected) => {
    expect(await found(q)).toEqual(expected);
  });

  it('gives the same results, in the same order with the same snippets, as the other engine', async () => {
    const all: Record<string, unknown> = {};
    for (const [q] of EXPECTED) {
      const body: SearchResults = (await search(alice.session, { q })).json();
      all[q] = body.results.map((r) => [
        keyOf.get(r.message.id),
        r.conversationId === r.message.conversationId,
        r.snippet,
      ]);
    }
    seen[kind] = all;
    const other = seen[kind === 'sqlite' ? 'mariadb' : 'sqlite'];
    if (other) expect(all).toEqual(other);
  });

  it('finds the same whichever way MySQL takes: scan rounds, FULLTEXT index, every message, or continued by cursor', async () => {
    const ways: [string, SearchTuning][] = [
      ['default', SEARCH_TUNING],
      [
        'index narrows',
        { ...SEARCH_TUNING, recentRows: 1, maxScanRows: 1, maxIndexDocuments: 1e9, denseShare: 1 },
      ],
      ['rounds, no index', { ...SEARCH_TUNING, recentRows: 1, maxIndexDocuments: 0 }],
      [
        'a row per request, continued by cursor',
        { ...SEARCH_TUNING, recentRows: 1, maxScanRows: 1, maxIndexDocuments: 0 },
      ],
      ['three rows per request', { ...SEARCH_TUNING, recentRows: 2, maxScanRows: 3, denseShare: -1 }],
      ['no scan (index, or every message)', { ...SEARCH_TUNING, recentMaxConversations: 0 }],
    ];
    // Every request of a search until a page is full or nothing is left, as a client follows nextCursor.
    const rows = async (q: string, page: Partial<SearchPageRequest>, tuning: SearchTuning) => {
      const limit = page.limit ?? 50;
      const keys: string[] = [];
      let after = page.after;
      for (let requests = 0; requests < 100; requests++) {
        const result = await searchMessageRows(
          testDb.database.db,
          parseSearchQuery(q),
          { userId: alice.userId, ...page, limit: limit - keys.length, after },
          tuning,
        );
        keys.push(...result.rows.map((row) => keyOf.get(row.id) ?? row.id));
        if (!result.continueAfter || keys.length >= limit) return keys;
        expect(kind).toBe('mariadb');
        after = result.continueAfter;
      }
      throw new Error(`${q}: no end`);
    };
    for (const [q, expected] of EXPECTED) {
      for (const [way, tuning] of ways) expect(await rows(q, {}, tuning), `${q}: ${way}`).toEqual(expected);
    }
    // Pages too: two at a time, from a cursor, each way.
    const { nextCursor } = (await search(alice.session, { q: 'deploy*', limit: 2 })).json() as SearchResults;
    const after = decodeSearchCursor(nextCursor ?? '');
    for (const [way, tuning] of ways) {
      expect(await rows('deploy*', { after, limit: 2 }, tuning), way).toEqual(['fix', 'failed']);
      expect(await rows('deploy*', { conversationId: conversations.direct, limit: 2 }, tuning), way).toEqual([
        'notes',
      ]);
    }
  });

  it('stops reading at SEARCH_SCAN_ROWS and continues by cursor: short pages, then the same results', async () => {
    const limited = await buildTestApp(testDb, {
      config: { search: { scanRows: 2, indexDocuments: 0 } },
    });
    try {
      for (const q of ['deploy*', '"an ox"', 'the', 'nothinglikethis']) {
        const keys: string[] = [];
        let cursor: string | null = null;
        let requests = 0;
        let short = 0;
        do {
          const params = new URLSearchParams({ q, limit: '3', ...(cursor ? { cursor } : {}) });
          const response = await call(limited, 'GET', `/api/search?${params}`, { session: alice.session });
          expect(response.statusCode, response.body).toBe(200);
          const body: SearchResults = response.json();
          if (body.nextCursor && body.results.length < 3) short++;
          keys.push(...body.results.map((r) => keyOf.get(r.message.id) ?? r.message.id));
          cursor = body.nextCursor;
          requests++;
        } while (cursor && requests < 50);
        expect(cursor, q).toBeNull();
        expect(keys, q).toEqual(EXPECTED.find(([query]) => query === q)?.[1]);
        // MySQL read two messages a request, so some pages came back short; FTS5 needs no such stop.
        if (kind === 'mariadb') expect(short, q).toBeGreaterThan(0);
        else expect(short, q).toBe(0);
      }
    } finally {
      await limited.close();
    }
  });

  it('answers with the message, its conversation and a snippet that marks the hits as text markers', async () => {
    const response = await search(alice.session, { q: 'deploy*' });
    const body: SearchResults = response.json();
    const api = body.results.find((r) => r.message.id === ids.get('api'));
    expect(api?.conversationId).toBe(conversations.team);
    expect(api?.message).toMatchObject({
      body: 'Deploy the API to production today',
      seq: 1,
      deletedAt: null,
    });
    expect(api?.snippet).toBe('<mark>Deploy</mark> the API to production today');
    const failed = body.results.find((r) => r.message.id === ids.get('failed'));
    expect(failed?.snippet).toBe('The <mark>deployment</mark> failed: check the logs');
    const marker = (await search(alice.session, { q: 'mango' })).json() as SearchResults;
    expect(marker.results[0]?.snippet).toBe('‹mark›fake‹/mark› <mark>mango</mark>');
    const long = (await search(alice.session, { q: 'needle' })).json() as SearchResults;
    expect(long.results[0]?.snippet).toMatch(/^….* <mark>needle<\/mark> .*…$/);
    expect(long.results[0]?.message.body.length).toBeGreaterThan(400);
  });

  it('finds only what other members may see: never a conversation they are not in', async () => {
    expect(await found('secret', {}, bob.session)).toEqual(['secret']);
    expect(await found('secret', {}, carol.session)).toEqual(['secret']);
    expect(await found('left', {}, bob.session)).toEqual(['left']);
    // Carol is in the direct conversation and "others", not in the team.
    expect(await found('deploy', {}, carol.session)).toEqual(['secret', 'notes']);
  });

  it('searches one conversation with conversationId, and answers 404 for one the caller is not in', async () => {
    expect(await found('deploy', { conversationId: conversations.direct ?? '' })).toEqual(['notes']);
    expect(await found('deploy', { conversationId: conversations.team ?? '' })).toEqual([
      'caps',
      'fix',
      'api',
    ]);
    for (const id of [conversations.others, conversations.former, 'nosuchconversation']) {
      const response = await search(alice.session, { q: 'deploy', conversationId: id ?? '' });
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
  });

  it('pages newest first with nextCursor until it is null, each result once', async () => {
    const all = await found('deploy*');
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await search(alice.session, { q: 'deploy*', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(response.statusCode, response.body).toBe(200);
      const body: SearchResults = response.json();
      expect(body.results.length).toBeLessThanOrEqual(2);
      paged.push(...body.results.map((r) => keyOf.get(r.message.id) ?? r.message.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(paged).toEqual(all);
    expect(pages).toBe(3);
  });

  it('finds an edit by its new words at once, and a deleted message never', async () => {
    const message = await send(app, bob.session, conversations.team ?? '', 'kiwi smoothie');
    expect(await found('kiwi')).toEqual([message.id]);
    const edited = await call(app, 'PATCH', `/api/messages/${message.id}`, {
      session: bob.session,
      body: { body: 'papaya smoothie' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await found('kiwi')).toEqual([]);
    expect(await found('papaya')).toEqual([message.id]);
    expect(await found('smoothie')).toEqual([message.id]);
    const deleted = await call(app, 'DELETE', `/api/messages/${message.id}`, { session: bob.session });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await found('papaya')).toEqual([]);
    expect(await found('smoothie')).toEqual([]);
  });

  it.each(BAD_QUERIES)('answers 400 validation_failed on q, never 500, for %j', async (q) => {
    const response = await search(alice.session, { q });
    expect(response.statusCode, response.body).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([expect.objectContaining({ path: 'querystring.q' })]);
  });

  it('answers 400 for bad limits, cursors and unknown parameters', async () => {
    for (const query of [
      { q: 'deploy', limit: 0 },
      { q: 'deploy', limit: 51 },
      { q: 'deploy', cursor: 'not*a*cursor' },
      { q: 'deploy', cursor: 'eyJub3QiOiJ0aGlzIn0' },
      { q: 'deploy', conversationId: 'bad id!' },
      { q: 'deploy', sort: 'oldest' },
    ]) {
      const response = await search(alice.session, query);
      expect(response.statusCode, `${JSON.stringify(query)}: ${response.body}`).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
  });

  it('answers 200 or 400 for any text at all, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 220, unit: 'binary' }), async (q) => {
        const response = await search(alice.session, { q });
        expect([200, 400], `${JSON.stringify(q)}: ${response.body}`).toContain(response.statusCode);
      }),
      { numRuns: kind === 'sqlite' ? 150 : 60 },
    );
  });

  it('needs a session', async () => {
    const response = await call(app, 'GET', '/api/search?q=deploy');
    expect(response.statusCode).toBe(401);
  });

  it('is rate-limited per user by LIMIT_SEARCHES (429 with Retry-After)', async () => {
    const limited = await buildTestApp(testDb, {
      config: {
        limits: {
          ...testDb.config.limits,
          rates: { ...testDb.config.limits.rates, searches: parseRate('2/60s') },
        },
      },
    });
    try {
      const ask = (session: Session) => call(limited, 'GET', '/api/search?q=deploy', { session });
      expect((await ask(alice.session)).statusCode).toBe(200);
      expect((await ask(alice.session)).statusCode).toBe(200);
      const over = await ask(alice.session);
      expect(over.statusCode, over.body).toBe(429);
      expect(over.json().error.code).toBe('rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another user's allowance is their own.
      expect((await ask(bob.session)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
