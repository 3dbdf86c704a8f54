/**
 * `npm run bench:auth`: issue 15, target 3 — what a session check costs. One run, one server:
 *
 * 1. Starts MariaDB and the compiled Parley server against it (as `npm run bench:messages` does; with
 *    BENCH_AUTH_REDIS=1 also a Redis, the AWS shape: bus, limits and the session-check epoch in Redis).
 * 2. Inserts BENCH_AUTH_SESSIONS verified users and signs each in through `POST /api/auth/login` (argon2
 *    and all); connection i of every `/api/me` run carries session i mod N's cookie, so a moment's
 *    requests are for many sessions, as on a real server.
 * 3. Warms both routes up, then runs autocannon against `GET /api/health/live` and `GET /api/me` (cookie),
 *    BENCH_AUTH_CONNECTIONS connections for BENCH_AUTH_SECONDS each, in interleaved order (live, me, me,
 *    live, … so a drift in the machine's load hits both routes alike), and measures the server's CPU
 *    per request of each run.
 * 4. Checks that every response was a 200 and that the session still ends at once: logout, then the
 *    very next `/api/me` with the same cookie must be a 401.
 * Prints a table and writes bench/results/auth-<timestamp>.json. Not a test; `npm test` never runs it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newId } from '../../apps/api/src/ids.js';
import { freePort } from '../../scripts/services/free-port.js';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { type RedisServer, startRedis } from '../../scripts/services/redis.js';
import { benchPasswordHash } from './password-hash.js';
import { machineInfo, processCpuMs } from './probe.js';
import { startServer } from './server.js';
import { envNumber, log, PASSWORD, resultsDir, rootDir, round, settings } from './settings.js';
import { mapLimit, sleep } from './stats.js';

const runFile = promisify(execFile);

/** `/api/me` must serve at least this share of `/api/health/live`'s requests per second (issue 15). */
const TARGET_RATIO = 0.5;

type Route = 'live' | 'me';
const PATHS: Record<Route, string> = { live: '/api/health/live', me: '/api/me' };

function onlyRoute(): Route | undefined {
  const raw = process.env.BENCH_AUTH_ONLY;
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'live' && raw !== 'me') throw new Error('BENCH_AUTH_ONLY must be "live" or "me"');
  return raw;
}

const auth = {
  seconds: envNumber('BENCH_AUTH_SECONDS', settings.smoke ? 2 : 10),
  warmupSeconds: envNumber('BENCH_AUTH_WARMUP_SECONDS', settings.smoke ? 1 : 3),
  connections: envNumber('BENCH_AUTH_CONNECTIONS', 50),
  /** Signed-in users (one session each) the `/api/me` connections share round-robin. */
  sessions: envNumber('BENCH_AUTH_SESSIONS', 50),
  /** Each round runs both routes; odd rounds in reverse order (live, me, me, live, …). */
  rounds: envNumber('BENCH_AUTH_ROUNDS', settings.smoke ? 1 : 2),
  /** Only one route (for a CPU profile of that route alone); no ratio then. */
  only: onlyRoute(),
  redis: process.env.BENCH_AUTH_REDIS === '1',
};

interface RunResult {
  route: Route;
  path: string;
  seconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  serverCpuPercentOfOneCore: number;
  serverCpuMicrosecondsPerRequest: number | null;
  /** MariaDB statements (`Questions`) per answered request: how many requests one session query served. */
  databaseStatementsPerRequest: number | null;
}

async function statements(admin: Connection): Promise<number> {
  const [rows] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(rows[0]?.Value ?? 0);
}

async function hammer(
  baseUrl: string,
  route: Route,
  seconds: number,
  cookies: readonly string[],
  serverPid: number | undefined,
  admin: Connection,
): Promise<RunResult> {
  let nextClient = 0;
  const statementsBefore = await statements(admin);
  const cpuBefore = processCpuMs(serverPid);
  const wallBefore = performance.now();
  const result = await autocannon({
    url: `${baseUrl}${PATHS[route]}`,
    connections: auth.connections,
    duration: seconds,
    setupClient: (client) => {
      if (route === 'me') client.setHeaders({ cookie: cookies[nextClient++ % cookies.length] as string });
    },
  });
  const wallMs = performance.now() - wallBefore;
  const cpuMs = processCpuMs(serverPid) - cpuBefore;
  // Less this probe's own statement.
  const statementsDuring = (await statements(admin)) - statementsBefore - 1;
  const ok = result['2xx'];
  return {
    route,
    path: PATHS[route],
    seconds: result.duration,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    requestsPerSecond: Math.round(ok / result.duration),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    serverCpuPercentOfOneCore: Math.round((cpuMs / wallMs) * 100),
    serverCpuMicrosecondsPerRequest: ok > 0 ? round((cpuMs * 1000) / ok, 0) : null,
    databaseStatementsPerRequest: ok > 0 ? round(statementsDuring / ok, 3) : null,
  };
}

/** `count` verified users, inserted directly (one argon2id hash), then a real login each: their cookies. */
async function signInAll(admin: Connection, baseUrl: string, count: number): Promise<string[]> {
  const passwordHash = await benchPasswordHash();
  const now = toDbTime(new Date());
  const run = randomBytes(3).toString('hex');
  const emails = Array.from({ length: count }, (_, i) => `bench-auth-${i}-${run}@example.com`);
  await admin.query(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    [emails.map((email, i) => [newId(), email, now, passwordHash, `Bench auth ${i}`, now, now])],
  );
  return mapLimit(emails, 4, async (email, i) => {
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: baseUrl,
        'x-forwarded-for': `10.9.${(i >> 8) & 255}.${i & 255}`,
      },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('parley_session='));
    if (response.status !== 200 || !setCookie) throw new Error(`login ${i} failed: ${response.status}`);
    return setCookie.split(';')[0] as string;
  });
}

/** Logout, then the very next request with the same cookie: 204 and then 401, or the run fails. */
async function revocationCheck(baseUrl: string, cookie: string) {
  const me = async () => (await fetch(`${baseUrl}/api/me`, { headers: { cookie } })).status;
  const before = await me();
  const logout = await fetch(`${baseUrl}/api/auth/logout`, {
    method: 'POST',
    headers: { cookie, origin: baseUrl },
  });
  const after = await me();
  return {
    meBeforeLogout: before,
    logout: logout.status,
    meAfterLogout: after,
    ok: before === 200 && logout.status === 204 && after === 401,
  };
}

const mean = (values: number[]) =>
  values.length === 0 ? 0 : Math.round(values.reduce((a, b) => a + b, 0) / values.length);

function printTable(result: {
  runs: RunResult[];
  summary: Record<Route, { requestsPerSecond: number; serverCpuMicrosecondsPerRequest: number }>;
  ratio: number | null;
  target: { met: boolean | null };
  revocation: { ok: boolean };
}): void {
  const rows: string[][] = [
    ['run', 'route', 'req/s', 'p50 / p99 ms', 'non-2xx', 'server CPU', 'µs/req', 'SQL/req'],
  ];
  result.runs.forEach((run, i) => {
    rows.push([
      String(i + 1),
      run.path,
      String(run.requestsPerSecond),
      `${run.latencyMs.p50} / ${run.latencyMs.p99}`,
      String(run.non2xx + run.errors),
      `${run.serverCpuPercentOfOneCore} %`,
      String(run.serverCpuMicrosecondsPerRequest ?? '–'),
      String(run.databaseStatementsPerRequest ?? '–'),
    ]);
  });
  for (const route of ['live', 'me'] as const) {
    const summary = result.summary[route];
    if (summary.requestsPerSecond === 0) continue;
    rows.push([
      'mean',
      PATHS[route],
      String(summary.requestsPerSecond),
      '',
      '',
      '',
      String(summary.serverCpuMicrosecondsPerRequest),
      '',
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    `\n${line(rows[0] as string[])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`,
  );
  for (const row of rows.slice(1)) process.stdout.write(`${line(row)}\n`);
  const verdict = result.target.met === null ? '' : result.target.met ? 'met' : 'MISSED';
  process.stdout.write(
    `\n/api/me ÷ /api/health/live: ${result.ratio ?? '–'} (target >= ${TARGET_RATIO}) ${verdict}\n` +
      `revocation at the next request after logout: ${result.revocation.ok ? 'OK' : 'FAILED'}\n\n`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, load ${os.loadavg()}`);
  log(`settings: ${JSON.stringify(auth)}`);
  if (!settings.skipBuild) {
    log('building (tsc -b)…');
    await runFile(path.join(rootDir, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: rootDir });
  }
  log('starting MariaDB…');
  const mariadb = await startMariaDb({ durable: true });
  let redis: RedisServer | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-auth-'));
  const profileDir = path.join(resultsDir, 'profiles');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let admin: Connection | undefined;
  try {
    if (auth.redis) {
      redis = await startRedis();
      log(`Redis at ${redis.url}`);
    }
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const adminUrl = new URL(mariadb.adminUrl);
    adminUrl.pathname = '/parley';
    if (settings.cpuProfile) mkdirSync(profileDir, { recursive: true });
    server = await startServer(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: baseUrl,
        DATA_DIR: dataDir,
        DATABASE_URL: `mysql://parley_app:app-${randomBytes(12).toString('hex')}@127.0.0.1:${mariadb.port}/parley`,
        DATABASE_ADMIN_URL: adminUrl.toString(),
        TRUST_PROXY: 'true',
        LOG_LEVEL: 'warn',
        ...(redis ? { REDIS_URL: redis.url } : {}),
      },
      settings.cpuProfile ? profileDir : undefined,
    );
    log(`Parley (compiled, pid ${server.pid}) at ${baseUrl}`);
    admin = await createConnection({ uri: adminUrl.toString() });
    const cookies = await signInAll(admin, baseUrl, auth.sessions);
    log(`signed in ${cookies.length} users through POST /api/auth/login`);

    const routes: Route[] = auth.only ? [auth.only] : ['live', 'me'];
    log(`warm-up: ${auth.warmupSeconds} s per route…`);
    for (const route of routes) await hammer(baseUrl, route, auth.warmupSeconds, cookies, server.pid, admin);
    await sleep(500);

    const runs: RunResult[] = [];
    for (let r = 0; r < auth.rounds; r += 1) {
      const order = r % 2 === 0 ? routes : [...routes].reverse();
      for (const route of order) {
        log(`${PATHS[route]}: ${auth.connections} connections, ${auth.seconds} s…`);
        const run = await hammer(baseUrl, route, auth.seconds, cookies, server.pid, admin);
        log(`${PATHS[route]}: ${run.requestsPerSecond} req/s (${run.non2xx + run.errors} not 2xx)`);
        runs.push(run);
        await sleep(500);
      }
    }
    const revocation = await revocationCheck(baseUrl, cookies[0] as string);
    log(`revocation check: ${JSON.stringify(revocation)}`);

    const summaryOf = (route: Route) => {
      const of = runs.filter((run) => run.route === route);
      return {
        requestsPerSecond: mean(of.map((run) => run.requestsPerSecond)),
        serverCpuMicrosecondsPerRequest: mean(of.map((run) => run.serverCpuMicrosecondsPerRequest ?? 0)),
      };
    };
    const summary = { live: summaryOf('live'), me: summaryOf('me') };
    const ratio =
      summary.live.requestsPerSecond > 0 && summary.me.requestsPerSecond > 0
        ? round(summary.me.requestsPerSecond / summary.live.requestsPerSecond, 2)
        : null;
    const allOk = runs.every((run) => run.non2xx === 0 && run.errors === 0 && run.ok > 0);
    const result = {
      startedAt: startedAt.toISOString(),
      command: settings.smoke ? 'npm run bench:auth -- --smoke' : 'npm run bench:auth',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      settings: { ...auth, cpuProfile: settings.cpuProfile },
      runs,
      summary,
      ratio,
      target: {
        target: `GET /api/me req/s >= ${TARGET_RATIO} x GET /api/health/live req/s`,
        met: ratio === null ? null : ratio >= TARGET_RATIO,
      },
      checks: { everyResponse2xx: allOk, revocation },
    };
    mkdirSync(resultsDir, { recursive: true });
    const name = `auth-${settings.smoke ? 'smoke-' : ''}${startedAt.toISOString().replace(/[:.]/g, '-')}`;
    const file = path.join(resultsDir, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    printTable({ runs, summary, ratio, target: result.target, revocation });
    log(`results written to ${path.relative(rootDir, file)}`);
    if (!allOk || !revocation.ok) process.exitCode = 1;
  } finally {
    await admin?.end().catch(() => undefined);
    await server?.stop();
    await redis?.stop();
    await mariadb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
