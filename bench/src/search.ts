/**
 * `npm run bench:search`: message search latency over a big MariaDB table (issue 12).
 *
 * 1. Builds the API, starts a private MariaDB (buffer pool BENCH_SEARCH_BUFFER_POOL) and the compiled
 *    Parley server against it (DATABASE_ADMIN_URL: it creates the schema, migrates, makes the app user).
 * 2. Seeds BENCH_SEARCH_MESSAGES messages over BENCH_SEARCH_CONVERSATIONS conversations with multi-row
 *    INSERTs through the admin connection (search-corpus.ts), the FULLTEXT index kept up as they go in;
 *    one user is a member of BENCH_SEARCH_MEMBER_OF of them. Then ANALYZE TABLE.
 * 3. Signs that user in through the API and runs BENCH_SEARCH_QUERIES queries of each class one after
 *    another through `GET /api/search` (bearer token), timing each request end to end; then the next
 *    page (cursor) of the frequent-word queries.
 * 4. Prints p50/p90/p99/max per class and over all, and writes bench/results/search-<timestamp>.json.
 * Not a test; never run by `npm test`. `--smoke` (or BENCH_SMOKE=1) runs it at a tiny size.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { SearchResults } from '@parley/contract';
import { type Connection, createConnection } from 'mysql2/promise';
import { newId } from '../../apps/api/src/ids.js';
import { freePort } from '../../scripts/services/free-port.js';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { benchPasswordHash } from './password-hash.js';
import { machineInfo } from './probe.js';
import { queriesByClass, seedCorpus } from './search-corpus.js';
import { startServer } from './server.js';
import { log, PASSWORD, resultsDir, rootDir, round } from './settings.js';
import { type LatencySummary, Samples } from './stats.js';

const runFile = promisify(execFile);

const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}
const settings = {
  smoke,
  messages: envNumber('BENCH_SEARCH_MESSAGES', smoke ? 20_000 : 1_000_000),
  conversations: envNumber('BENCH_SEARCH_CONVERSATIONS', smoke ? 100 : 1_000),
  memberOf: envNumber('BENCH_SEARCH_MEMBER_OF', smoke ? 10 : 50),
  queriesPerClass: envNumber('BENCH_SEARCH_QUERIES', smoke ? 5 : 50),
  vocabularySize: envNumber('BENCH_SEARCH_VOCABULARY', 40_000),
  seedConnections: envNumber('BENCH_SEARCH_SEED_CONNECTIONS', 2),
  bufferPool: process.env.BENCH_SEARCH_BUFFER_POOL || '2G',
  /** The server's search allowances, when set for the run (else the server's defaults). */
  serverSearch: Object.fromEntries(
    ['SEARCH_SCAN_ROWS', 'SEARCH_INDEX_DOCUMENTS'].flatMap((name) => {
      const value = process.env[name];
      return value ? [[name, value]] : [];
    }),
  ) as Record<string, string>,
  skipBuild: process.env.BENCH_SKIP_BUILD === '1',
};
const TARGET_P99_MS = 100;

interface ClassResult {
  latency: LatencySummary;
  /** Results on the first page, averaged. */
  meanResults: number;
  /** Queries that found nothing. */
  empty: number;
  /** First pages that came back short with a cursor (the server's SEARCH_SCAN_ROWS allowance spent). */
  short?: number;
  /**
   * What the web app waits for such a search: the first request and the ones it makes after a short
   * page (at most AUTO_PAGES in all), end to end.
   */
  client?: LatencySummary;
}

/** Requests the web app makes in a row while pages come back short (MessageSearch.tsx, AUTO_PAGES). */
const AUTO_PAGES = 5;
const PAGE_SIZE = 20;

async function searchOnce(
  baseUrl: string,
  token: string,
  query: Record<string, string>,
): Promise<{ ms: number; body: SearchResults }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/search?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`search ${JSON.stringify(query)}: ${response.status} ${text}`);
  return { ms, body: JSON.parse(text) as SearchResults };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const wallStart = performance.now();
  const machine = machineInfo();
  log(
    `machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(`settings: ${JSON.stringify(settings)}`);
  if (!settings.skipBuild) {
    log('building (tsc -b)…');
    await runFile(path.join(rootDir, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: rootDir });
  }
  log(`starting MariaDB (buffer pool ${settings.bufferPool})…`);
  const mariadb = await startMariaDb({ bufferPoolSize: settings.bufferPool });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-search-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const connections: Connection[] = [];
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const adminUrl = new URL(mariadb.adminUrl);
    adminUrl.pathname = '/parley';
    server = await startServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      DATABASE_URL: `mysql://parley_app:app-${randomBytes(12).toString('hex')}@127.0.0.1:${mariadb.port}/parley`,
      DATABASE_ADMIN_URL: adminUrl.toString(),
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      LIMIT_SEARCHES: '1000000/1s',
      ...settings.serverSearch,
    });
    log(`Parley (compiled, pid ${server.pid}) at ${baseUrl}`);
    for (let i = 0; i < settings.seedConnections; i++) {
      connections.push(await createConnection({ uri: adminUrl.toString() }));
    }
    const [admin] = connections;
    if (!admin) throw new Error('no admin connection');
    const [[version]] = (await admin.query(
      'SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool',
    )) as [{ version: string; pool: string }[], unknown];

    const passwordHash = await benchPasswordHash();
    const email = `search-bench-${randomBytes(3).toString('hex')}@example.com`;
    log(
      `seeding ${settings.messages.toLocaleString('en')} messages over ${settings.conversations} conversations…`,
    );
    const corpus = await seedCorpus(
      connections,
      {
        messages: settings.messages,
        conversations: settings.conversations,
        memberOf: settings.memberOf,
        batchRows: 1_000,
        vocabularySize: settings.vocabularySize,
      },
      { id: newId(), email, passwordHash },
      (done) => log(`  ${done.toLocaleString('en')} messages`),
    );
    log(`seeded in ${round(corpus.seedSeconds, 1)} s; ANALYZE TABLE…`);
    await admin.query('ANALYZE TABLE messages, conversations, conversation_members');
    const [[sizes]] = (await admin.query(
      `SELECT ROUND(data_length / 1048576) AS dataMiB, ROUND(index_length / 1048576) AS indexMiB
       FROM information_schema.tables WHERE table_schema = 'parley' AND table_name = 'messages'`,
    )) as [{ dataMiB: number; indexMiB: number }[], unknown];

    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: baseUrl },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token?: string };
    if (login.status !== 200 || !token) throw new Error(`login failed: ${login.status}`);

    const queries = await queriesByClass(admin, corpus, settings.queriesPerClass, settings.memberOf);
    // A few queries first: the first requests warm Node's and the server's code paths, not the data.
    for (const q of ['hello', 'the', 'ok']) await searchOnce(baseUrl, token, { q });

    const classes: Record<string, ClassResult> = {};
    const all = new Samples();
    const continued = new Samples();
    const cursors: string[] = [];
    for (const [name, list] of queries) {
      const samples = new Samples();
      const client = new Samples();
      let results = 0;
      let empty = 0;
      let short = 0;
      for (const q of list) {
        const { ms, body } = await searchOnce(baseUrl, token, { q, limit: String(PAGE_SIZE) });
        samples.add(ms);
        all.add(ms);
        results += body.results.length;
        if (body.results.length === 0) empty += 1;
        if ((name === 'very common word' || name === 'common word') && body.nextCursor) {
          cursors.push(JSON.stringify({ q, limit: String(PAGE_SIZE), cursor: body.nextCursor }));
        }
        // As the web app does: a short page with a cursor is followed at once, up to AUTO_PAGES requests.
        let waited = ms;
        let page = body;
        if (page.nextCursor && page.results.length < PAGE_SIZE) short += 1;
        for (let request = 1; request < AUTO_PAGES; request++) {
          if (!page.nextCursor || page.results.length >= PAGE_SIZE) break;
          const next = await searchOnce(baseUrl, token, {
            q,
            limit: String(PAGE_SIZE),
            cursor: page.nextCursor,
          });
          continued.add(next.ms);
          all.add(next.ms);
          waited += next.ms;
          page = next.body;
        }
        client.add(waited);
      }
      classes[name] = {
        latency: samples.summary(),
        meanResults: round(results / list.length, 1),
        empty,
        short,
        client: client.summary(),
      };
      log(`${name.padEnd(26)} ${JSON.stringify(classes[name])}`);
    }
    classes['short page followed (cursor)'] = { latency: continued.summary(), meanResults: 0, empty: 0 };
    const pageTwo = new Samples();
    for (const entry of cursors.slice(0, settings.queriesPerClass)) {
      const { ms } = await searchOnce(baseUrl, token, JSON.parse(entry) as Record<string, string>);
      pageTwo.add(ms);
      all.add(ms);
    }
    classes['next page (cursor)'] = { latency: pageTwo.summary(), meanResults: 0, empty: 0 };
    const overall = all.summary();
    const met = (overall.p99 ?? Number.POSITIVE_INFINITY) <= TARGET_P99_MS;

    const totalSeconds = round((performance.now() - wallStart) / 1000, 1);
    const result = {
      startedAt: startedAt.toISOString(),
      command: smoke ? 'npm run bench:search -- --smoke' : 'npm run bench:search',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      mariadb: { version: version?.version, bufferPoolBytes: Number(version?.pool) },
      settings,
      seedSeconds: round(corpus.seedSeconds, 1),
      messagesTable: sizes,
      classes,
      examples: Object.fromEntries([...queries].map(([name, list]) => [name, list.slice(0, 3)])),
      overall,
      target: { p99Ms: TARGET_P99_MS, met },
      totalSeconds,
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(
      resultsDir,
      `search-${smoke ? 'smoke-' : ''}${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

    const row = (name: string, r: ClassResult) =>
      `| ${name} | ${r.latency.count} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ${r.meanResults} | ${r.short ?? '–'} | ${r.client ? `${r.client.p50} / ${r.client.p99}` : '–'} |`;
    process.stdout.write(
      [
        '',
        `| class | requests | p50 ms | p90 ms | p99 ms | max ms | results (first page, mean) | short first pages | web app wait p50 / p99 ms |`,
        '|---|---|---|---|---|---|---|---|---|',
        ...Object.entries(classes).map(([name, r]) => row(name, r)),
        `| **all requests** | ${overall.count} | ${overall.p50} | ${overall.p90} | **${overall.p99}** | ${overall.max} | | | |`,
        '',
        `target p99 ≤ ${TARGET_P99_MS} ms: ${met ? 'met' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
    log(`results written to ${path.relative(rootDir, file)} (run took ${totalSeconds} s)`);
  } finally {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
    await server?.stop();
    await mariadb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
