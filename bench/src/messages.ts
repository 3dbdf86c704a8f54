/**
 * `npm run bench:messages`: the messaging benchmark of issue 4 (item 12), in one run.
 *
 * 1. Starts a durable MariaDB (innodb_flush_log_at_trx_commit=1, binlog, sync_binlog=1) and the compiled
 *    Parley server against it (its own process; DATABASE_ADMIN_URL makes it create schema + app user).
 * 2. Baseline: raw mysql2 single-row INSERTs (autocommit) into the same `messages` table, N connections.
 * 3. Parley: WebSocket clients in direct conversations, each sending as fast as acks return (window W).
 * 4. Parley paced at half of the throughput measured in 3, for send→delivery latency.
 * 5. Fan-out: messages to a group whose members are all connected.
 * 6. Checks: every ack is in the database exactly once; every connection got every message of its
 *    conversations exactly once, in seq order.
 * Prints a table and writes bench/results/messages-<timestamp>.json. Not a test; never run by `npm test`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Algorithm, hash } from '@node-rs/argon2';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { freePort } from '../../scripts/services/free-port.js';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { BenchClient, type ClientHandlers } from './bench-client.js';
import { startServer } from './server.js';
import { type LatencySummary, mapLimit, Samples, sleep } from './stats.js';

const runFile = promisify(execFile);
const rootDir = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = path.join(rootDir, 'bench', 'results');

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const seconds = envNumber('BENCH_SECONDS', 20);
const settings = {
  baselineSeconds: envNumber('BENCH_BASELINE_SECONDS', seconds),
  baselineConnections: envNumber('BENCH_BASELINE_CONNECTIONS', 64),
  parleySeconds: envNumber('BENCH_PARLEY_SECONDS', seconds),
  pairs: envNumber('BENCH_PAIRS', 100),
  /** Sends a client may have awaiting their ack in the as-fast-as-acks phase. */
  window: envNumber('BENCH_WINDOW', 1),
  pacedSeconds: envNumber('BENCH_PACED_SECONDS', Math.min(15, seconds)),
  pacedFraction: envNumber('BENCH_PACED_FRACTION', 0.5),
  groupSize: envNumber('BENCH_GROUP_SIZE', 1000),
  fanoutMessages: envNumber('BENCH_FANOUT_MESSAGES', 20),
  fanoutGapMs: envNumber('BENCH_FANOUT_GAP_MS', 250),
  bodyLength: envNumber('BENCH_BODY_LENGTH', 64),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  skipBuild: process.env.BENCH_SKIP_BUILD === '1',
};
const TARGETS = { throughputRatio: 1.5, pacedDeliveryP99Ms: 50, fanoutP99Ms: 100 };

/**
 * Parley's limits are sized for people. The benchmark is one load generator sending thousands of messages
 * a second over ~1,000 sockets, all from 127.0.0.1, so it raises every limit it would otherwise hit
 * (docs/performance.md, "Limits"). Logins come from distinct X-Forwarded-For addresses and stay limited.
 */
const BENCH_LIMITS: Readonly<Record<string, string>> = {
  LIMIT_MESSAGES: '1000000/1s',
  LIMIT_WS_FRAMES: '1000000/1s',
  LIMIT_WS_CONNECTS: '1000000/1s',
  LIMIT_WS_SOCKETS_PER_USER: '1000',
  LIMIT_WS_SOCKETS_PER_IP: '1000000',
};

const PASSWORD = 'bench-violet-harbor-lantern-42';
const dbTime = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');
const newId = () => randomBytes(16).toString('base64url');
const log = (line: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function bodyText(n: number): string {
  const text = `bench message ${n} `;
  return text.padEnd(settings.bodyLength, 'abcdefghijklmnopqrstuvwxyz ');
}

// ---------------------------------------------------------------------------------------------- machine

function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  let memory = '';
  try {
    memory = execFileSync('free', ['-h'], { encoding: 'utf8' }).trim();
  } catch {
    memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: model,
    memory,
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  };
}

/** User+system CPU time of a process in milliseconds, from /proc (Linux). */
function processCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const STATUS_NAMES = [
  'Com_commit',
  'Com_insert',
  'Com_select',
  'Com_update',
  'Questions',
  'Innodb_data_fsyncs',
  'Innodb_os_log_fsyncs',
  'Binlog_commits',
  'Binlog_group_commits',
  'Handler_read_rnd_next',
  'Handler_read_key',
  'Handler_read_next',
  'Innodb_row_lock_waits',
  'Innodb_row_lock_time',
];

async function dbStatus(admin: Connection): Promise<Record<string, number>> {
  const [rows] = await admin.query<RowDataPacket[]>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${STATUS_NAMES.map(() => '?').join(',')})`,
    STATUS_NAMES,
  );
  return Object.fromEntries(rows.map((row) => [row.Variable_name as string, Number(row.Value)]));
}

interface Probe {
  at: number;
  status: Record<string, number>;
  cpu: { server: number; mariadb: number; loadgen: number };
}

interface ProbeContext {
  admin: Connection;
  serverPid: number | undefined;
  mariadbPid: number | undefined;
}

async function probe(ctx: ProbeContext): Promise<Probe> {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    status: await dbStatus(ctx.admin),
    cpu: {
      server: processCpuMs(ctx.serverPid),
      mariadb: processCpuMs(ctx.mariadbPid),
      loadgen: (usage.user + usage.system) / 1000,
    },
  };
}

/** Counters per second and CPU use (% of one core) between two probes. */
function between(a: Probe, b: Probe, messages: number) {
  const secondsElapsed = (b.at - a.at) / 1000;
  const delta = (name: string) => (b.status[name] ?? 0) - (a.status[name] ?? 0);
  const perSecond = (name: string) => Math.round(delta(name) / secondsElapsed);
  const cpu = (name: keyof Probe['cpu']) => Math.round(((b.cpu[name] - a.cpu[name]) / (b.at - a.at)) * 100);
  const groupCommits = delta('Binlog_group_commits');
  return {
    perSecond: Object.fromEntries(STATUS_NAMES.map((name) => [name, perSecond(name)])),
    /** Messages per transaction (the baseline autocommits: one row per binlog commit). */
    messagesPerCommit: delta('Binlog_commits') > 0 ? round(messages / delta('Binlog_commits'), 2) : null,
    commitsPerGroupCommit: groupCommits > 0 ? round(delta('Binlog_commits') / groupCommits, 2) : null,
    cpuPercentOfOneCore: { server: cpu('server'), mariadb: cpu('mariadb'), loadgen: cpu('loadgen') },
  };
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

// ------------------------------------------------------------------------------------------------ setup

interface Fixture {
  users: { id: string; email: string }[];
  /** Direct conversation i is between users 2i and 2i+1. */
  pairs: string[];
  group: string;
  baselineConversations: string[];
}

async function createFixture(admin: Connection): Promise<Fixture> {
  const userCount = Math.max(settings.groupSize, settings.pairs * 2);
  const passwordHash = await hash(PASSWORD, {
    algorithm: 2 as Algorithm,
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
    outputLen: 32,
  });
  const now = dbTime(new Date());
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: newId(),
    email: `bench-${i}-${randomBytes(3).toString('hex')}@example.com`,
  }));
  const insertRows = async (sql: string, rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 500) {
      await admin.query(sql, [rows.slice(start, start + 500)]);
    }
  };
  await insertRows(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    users.map((u, i) => [u.id, u.email, now, passwordHash, `Bench ${i}`, now, now]),
  );
  const conversations: unknown[][] = [];
  const members: unknown[][] = [];
  const pairs: string[] = [];
  for (let i = 0; i < settings.pairs; i += 1) {
    const a = users[2 * i] as { id: string };
    const b = users[2 * i + 1] as { id: string };
    const id = newId();
    pairs.push(id);
    conversations.push([id, 'direct', null, [a.id, b.id].sort().join(':'), a.id, now, now]);
    members.push([id, a.id, 'member', now], [id, b.id, 'member', now]);
  }
  const group = newId();
  const owner = users[0] as { id: string };
  conversations.push([group, 'group', 'Bench fan-out', null, owner.id, now, now]);
  users.slice(0, settings.groupSize).forEach((u, i) => {
    members.push([group, u.id, i === 0 ? 'owner' : 'member', now]);
  });
  const baselineConversations = Array.from({ length: settings.baselineConnections }, () => newId());
  for (const [i, id] of baselineConversations.entries()) {
    conversations.push([id, 'group', `Baseline ${i}`, null, owner.id, now, now]);
  }
  await insertRows(
    'INSERT INTO conversations (id, type, title, direct_key, created_by, created_at, updated_at) VALUES ?',
    conversations,
  );
  await insertRows(
    'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ?',
    members,
  );
  return { users, pairs, group, baselineConversations };
}

/** Real logins through the API (argon2 and all); a distinct client address each so per-IP limits stay out of the way. */
async function loginAll(baseUrl: string, origin: string, users: Fixture['users']): Promise<string[]> {
  return mapLimit(users, 8, async (user, i) => {
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin,
        'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    const body = (await response.json()) as { token?: string };
    if (response.status !== 200 || !body.token)
      throw new Error(`login ${i} failed: ${response.status} ${JSON.stringify(body)}`);
    return body.token;
  });
}

// --------------------------------------------------------------------------------------------- baseline

async function runBaseline(adminUrl: string, fixture: Fixture, ctx: ProbeContext) {
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
          newId(),
          conversation,
          seq,
          seq,
          sender,
          randomUUID(),
          bodyText(seq),
          dbTime(new Date()),
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

// ---------------------------------------------------------------------------------------------- parley

interface Phase {
  name: string;
  sent: number;
  acked: number;
  delivered: number;
  errors: number;
  ack: Samples;
  delivery: Samples;
}

interface SendRecord {
  t0: number;
  phase: Phase;
  sender: BenchClient;
  conversationId: string;
  ackId: string | undefined;
  ackSeq: number | undefined;
  acks: number;
}

const newPhase = (name: string): Phase => ({
  name,
  sent: 0,
  acked: 0,
  delivered: 0,
  errors: 0,
  ack: new Samples(),
  delivery: new Samples(),
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const wallStart = performance.now();
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}`);
  log(`settings: ${JSON.stringify(settings)}`);
  if (!settings.skipBuild) {
    log('building (tsc -b)…');
    await runFile(path.join(rootDir, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: rootDir });
  }

  log('starting MariaDB (durable: innodb_flush_log_at_trx_commit=1, log-bin, sync_binlog=1)…');
  const mariadb = await startMariaDb({ durable: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const profileDir = path.join(resultsDir, 'profiles');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const clients: BenchClient[] = [];
  let admin: Connection | undefined;
  try {
    const port = await freePort();
    const appPassword = `app-${randomBytes(12).toString('hex')}`;
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
        DATABASE_URL: `mysql://parley_app:${appPassword}@127.0.0.1:${mariadb.port}/parley`,
        DATABASE_ADMIN_URL: adminUrl.toString(),
        TRUST_PROXY: 'true',
        LOG_LEVEL: 'warn',
        ...BENCH_LIMITS,
      },
      settings.cpuProfile ? profileDir : undefined,
    );
    log(`Parley (compiled, pid ${server.pid}) at ${baseUrl}`);

    admin = await createConnection({ uri: adminUrl.toString() });
    const [[versionRow]] = await admin.query<RowDataPacket[]>(
      'SELECT VERSION() AS version, @@pid_file AS pidFile, @@innodb_flush_log_at_trx_commit AS flush, @@sync_binlog AS syncBinlog, @@log_bin AS logBin',
    );
    const mariadbInfo = {
      version: String(versionRow?.version),
      innodbFlushLogAtTrxCommit: Number(versionRow?.flush),
      syncBinlog: Number(versionRow?.syncBinlog),
      logBin: Number(versionRow?.logBin) === 1,
    };
    const mariadbPid = Number(readFileSync(String(versionRow?.pidFile), 'utf8').trim());
    const ctx: ProbeContext = { admin, serverPid: server.pid, mariadbPid };
    log(`MariaDB ${mariadbInfo.version} (pid ${mariadbPid}), ${JSON.stringify(mariadbInfo)}`);

    const setupStart = performance.now();
    const fixture = await createFixture(admin);
    log(`fixture: ${fixture.users.length} users, ${fixture.pairs.length} direct conversations, 1 group`);
    const tokens = await loginAll(baseUrl, baseUrl, fixture.users);
    log(`logged in ${tokens.length} users through POST /api/auth/login`);

    // ------------------------------------------------------------------ clients and their frame handlers
    const sent = new Map<string, SendRecord>();
    const anomalies = { unknownAcks: 0, duplicateAcks: 0, unknownMessages: 0, errorFrames: [] as unknown[] };
    let onAcked: ((client: BenchClient) => void) | undefined;
    const handlers: ClientHandlers = {
      ack(client, clientId, message, at) {
        const record = sent.get(clientId);
        if (!record) {
          anomalies.unknownAcks += 1;
          return;
        }
        record.acks += 1;
        if (record.acks > 1) {
          anomalies.duplicateAcks += 1;
          return;
        }
        record.ackId = message.id;
        record.ackSeq = message.seq;
        record.phase.acked += 1;
        record.phase.ack.add(at - record.t0);
        client.inFlight -= 1;
        onAcked?.(client);
      },
      message(client, message, at) {
        const record = sent.get(message.clientId);
        if (!record) {
          anomalies.unknownMessages += 1;
          return;
        }
        if (record.sender === client) return;
        record.phase.delivered += 1;
        record.phase.delivery.add(at - record.t0);
      },
      error(client, clientId, error) {
        const record = clientId ? sent.get(clientId) : undefined;
        if (record) {
          record.phase.errors += 1;
          client.inFlight -= 1;
        }
        if (anomalies.errorFrames.length < 20) anomalies.errorFrames.push(error);
      },
    };
    const wsUrl = `ws://127.0.0.1:${port}/api/ws`;
    const connected = await mapLimit(fixture.users, 50, (user, i) =>
      BenchClient.connect(wsUrl, baseUrl, i, user.id, tokens[i] as string, handlers),
    );
    clients.push(...connected);
    const setupSeconds = round((performance.now() - setupStart) / 1000, 1);
    log(`${clients.length} WebSockets authenticated and ready (setup ${setupSeconds} s)`);

    let sequence = 0;
    const send = (client: BenchClient, conversationId: string, phase: Phase) => {
      const clientId = randomUUID();
      sequence += 1;
      sent.set(clientId, {
        t0: performance.now(),
        phase,
        sender: client,
        conversationId,
        ackId: undefined,
        ackSeq: undefined,
        acks: 0,
      });
      phase.sent += 1;
      client.send(conversationId, clientId, bodyText(sequence));
    };
    const pairClients = clients.slice(0, settings.pairs * 2);
    const conversationOf = (client: BenchClient) => fixture.pairs[Math.floor(client.index / 2)] as string;

    // ------------------------------------------------------------------------------------- baseline
    log(
      `baseline: raw mysql2 single-row INSERTs, ${settings.baselineConnections} connections, ${settings.baselineSeconds} s…`,
    );
    const baseline = await runBaseline(mariadb.adminUrl, fixture, ctx);
    log(`baseline: ${baseline.rowsPerSecond} rows/s`);
    await sleep(1000);

    // ------------------------------------------------------------------------- parley, as fast as acks
    log(
      `parley: ${pairClients.length} clients in ${settings.pairs} direct conversations, window ${settings.window}, ${settings.parleySeconds} s…`,
    );
    const fast = newPhase('parley');
    const fastBefore = await probe(ctx);
    const fastStart = performance.now();
    const fastEnd = fastStart + settings.parleySeconds * 1000;
    let lastAck = fastStart;
    const pump = (client: BenchClient) => {
      while (client.inFlight < settings.window && performance.now() < fastEnd)
        send(client, conversationOf(client), fast);
    };
    onAcked = (client) => {
      lastAck = performance.now();
      pump(client);
    };
    for (const client of pairClients) pump(client);
    await sleep(settings.parleySeconds * 1000);
    const drained = await waitFor(() => pairClients.every((c) => c.inFlight === 0), 30_000);
    const fastAfter = await probe(ctx);
    onAcked = undefined;
    const fastElapsed = (lastAck - fastStart) / 1000;
    const fastRate = Math.round(fast.acked / fastElapsed);
    await waitFor(() => fast.delivered >= fast.acked, 30_000);
    const parley = {
      clients: pairClients.length,
      conversations: settings.pairs,
      window: settings.window,
      seconds: round(fastElapsed, 2),
      sent: fast.sent,
      acked: fast.acked,
      errors: fast.errors,
      drained,
      ackedPerSecond: fastRate,
      sendToAckMs: fast.ack.summary(),
      sendToDeliveryMs: fast.delivery.summary(),
      ...between(fastBefore, fastAfter, fast.acked),
    };
    log(
      `parley: ${fastRate} acked msgs/s, ack p50/p99 ${parley.sendToAckMs.p50}/${parley.sendToAckMs.p99} ms, delivery p50/p99 ${parley.sendToDeliveryMs.p50}/${parley.sendToDeliveryMs.p99} ms`,
    );
    await sleep(1000);

    // ------------------------------------------------------------------------- paced at half throughput
    const pacedRate = Math.max(1, Math.round(fastRate * settings.pacedFraction));
    const periodMs = (pairClients.length / pacedRate) * 1000;
    log(
      `paced: ${pacedRate} msgs/s (${settings.pacedFraction} × ${fastRate}) for ${settings.pacedSeconds} s…`,
    );
    const paced = newPhase('paced');
    const pacedBefore = await probe(ctx);
    const pacedStart = performance.now();
    const pacedEnd = pacedStart + settings.pacedSeconds * 1000;
    let skipped = 0;
    await Promise.all(
      pairClients.map(
        (client) =>
          new Promise<void>((resolve) => {
            // Open loop: each client sends on its own schedule (random phase), whether or not acks are back.
            let next = pacedStart + Math.random() * periodMs;
            const tick = () => {
              if (next >= pacedEnd) {
                resolve();
                return;
              }
              if (client.inFlight < 100) send(client, conversationOf(client), paced);
              else skipped += 1;
              next += periodMs;
              setTimeout(tick, Math.max(0, next - performance.now()));
            };
            setTimeout(tick, Math.max(0, next - performance.now()));
          }),
      ),
    );
    const pacedDrained = await waitFor(() => pairClients.every((c) => c.inFlight === 0), 30_000);
    await waitFor(() => paced.delivered >= paced.acked, 30_000);
    const pacedAfter = await probe(ctx);
    const pacedElapsed = (performance.now() - pacedStart) / 1000;
    const pacedResult = {
      targetPerSecond: pacedRate,
      seconds: round(pacedElapsed, 2),
      sent: paced.sent,
      acked: paced.acked,
      errors: paced.errors,
      skippedBecause100InFlight: skipped,
      drained: pacedDrained,
      ackedPerSecond: Math.round(paced.acked / settings.pacedSeconds),
      sendToAckMs: paced.ack.summary(),
      sendToDeliveryMs: paced.delivery.summary(),
      ...between(pacedBefore, pacedAfter, paced.acked),
    };
    log(
      `paced: delivery p50/p99 ${pacedResult.sendToDeliveryMs.p50}/${pacedResult.sendToDeliveryMs.p99} ms, ack p99 ${pacedResult.sendToAckMs.p99} ms`,
    );
    await sleep(1000);

    // ---------------------------------------------------------------------------------------- fan-out
    const groupClients = clients.slice(0, settings.groupSize);
    const groupSender = groupClients[0] as BenchClient;
    log(
      `fan-out: ${settings.fanoutMessages} messages to a group of ${groupClients.length} connected members, ${settings.fanoutGapMs} ms apart…`,
    );
    const fanout = newPhase('fanout');
    const fanoutBefore = await probe(ctx);
    let incomplete = 0;
    for (let i = 0; i < settings.fanoutMessages; i += 1) {
      const deliveredBefore = fanout.delivered;
      send(groupSender, fixture.group, fanout);
      const expected = deliveredBefore + groupClients.length - 1;
      if (!(await waitFor(() => fanout.delivered >= expected && groupSender.inFlight === 0, 10_000)))
        incomplete += 1;
      await sleep(settings.fanoutGapMs);
    }
    const fanoutAfter = await probe(ctx);
    const fanoutResult = {
      members: groupClients.length,
      messages: settings.fanoutMessages,
      gapMs: settings.fanoutGapMs,
      acked: fanout.acked,
      errors: fanout.errors,
      deliveries: fanout.delivered,
      expectedDeliveries: fanout.acked * (groupClients.length - 1),
      incompleteMessages: incomplete,
      sendToAckMs: fanout.ack.summary(),
      sendToDeliveryMs: fanout.delivery.summary(),
      ...between(fanoutBefore, fanoutAfter, fanout.acked),
    };
    log(
      `fan-out: delivery p50/p99 ${fanoutResult.sendToDeliveryMs.p50}/${fanoutResult.sendToDeliveryMs.p99} ms over ${fanout.delivered} deliveries`,
    );

    // ----------------------------------------------------------------------------------------- checks
    await sleep(500);
    log('checking the database and every connection’s log…');
    const checks = await verify(admin, fixture, clients, sent, anomalies);
    log(`checks: ${checks.ok ? 'OK' : 'FAILED'} ${JSON.stringify(checks.summary)}`);

    const ratio = round(parley.ackedPerSecond / baseline.rowsPerSecond, 2);
    const targets = {
      throughput: {
        target: `Parley acked msgs/s >= ${TARGETS.throughputRatio} x baseline rows/s`,
        ratio,
        met: ratio >= TARGETS.throughputRatio,
      },
      pacedDeliveryP99: {
        target: `p99 send->delivery <= ${TARGETS.pacedDeliveryP99Ms} ms at ${settings.pacedFraction} x throughput`,
        value: pacedResult.sendToDeliveryMs.p99,
        met: (pacedResult.sendToDeliveryMs.p99 ?? Number.POSITIVE_INFINITY) <= TARGETS.pacedDeliveryP99Ms,
      },
      fanoutP99: {
        target: `fan-out p99 <= ${TARGETS.fanoutP99Ms} ms`,
        value: fanoutResult.sendToDeliveryMs.p99,
        met: (fanoutResult.sendToDeliveryMs.p99 ?? Number.POSITIVE_INFINITY) <= TARGETS.fanoutP99Ms,
      },
      exactlyOnceInOrder: { target: 'zero lost, duplicated or reordered', met: checks.ok },
    };
    const totalSeconds = round((performance.now() - wallStart) / 1000, 1);
    const result = {
      startedAt: startedAt.toISOString(),
      command: 'npm run bench:messages',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      mariadb: mariadbInfo,
      settings,
      setupSeconds,
      baseline,
      parley,
      paced: pacedResult,
      fanout: fanoutResult,
      checks,
      targets,
      totalSeconds,
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `messages-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    printTable(result);
    log(`results written to ${path.relative(rootDir, file)} (run took ${totalSeconds} s)`);
    if (!checks.ok) process.exitCode = 1;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await admin?.end().catch(() => undefined);
    await server?.stop();
    await mariadb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ verification

async function verify(
  admin: Connection,
  fixture: Fixture,
  clients: BenchClient[],
  sent: Map<string, SendRecord>,
  anomalies: { unknownAcks: number; duplicateAcks: number; unknownMessages: number; errorFrames: unknown[] },
) {
  const conversations = [...fixture.pairs, fixture.group];
  const [rows] = await admin.query<RowDataPacket[]>(
    'SELECT id, conversation_id, seq, client_id, sender_id FROM messages WHERE conversation_id IN (?) ORDER BY conversation_id, seq',
    [conversations],
  );
  const byConversation = new Map<string, { id: string; seq: number; clientId: string }[]>();
  const byClientId = new Map<string, { id: string; seq: number; conversationId: string }[]>();
  for (const row of rows) {
    const item = { id: String(row.id), seq: Number(row.seq), clientId: String(row.client_id) };
    const list = byConversation.get(String(row.conversation_id)) ?? [];
    list.push(item);
    byConversation.set(String(row.conversation_id), list);
    const same = byClientId.get(item.clientId) ?? [];
    same.push({ id: item.id, seq: item.seq, conversationId: String(row.conversation_id) });
    byClientId.set(item.clientId, same);
  }

  // 1. Every acked message is in the database exactly once, as acknowledged; nothing stored unacked.
  let acked = 0;
  let ackedMissing = 0;
  let ackedDuplicated = 0;
  let ackedMismatch = 0;
  let unacked = 0;
  for (const [clientId, record] of sent) {
    if (record.acks === 0) {
      unacked += 1;
      continue;
    }
    acked += 1;
    const stored = byClientId.get(clientId) ?? [];
    if (stored.length === 0) ackedMissing += 1;
    else if (stored.length > 1) ackedDuplicated += 1;
    else if (
      stored[0]?.id !== record.ackId ||
      stored[0]?.seq !== record.ackSeq ||
      stored[0]?.conversationId !== record.conversationId
    )
      ackedMismatch += 1;
  }
  const storedNotAcked = [...byClientId.keys()].filter((clientId) => !(sent.get(clientId)?.acks ?? 0)).length;

  // 2. seq per conversation is 1..N without gaps.
  let seqGaps = 0;
  for (const list of byConversation.values()) {
    list.forEach((item, i) => {
      if (item.seq !== i + 1) seqGaps += 1;
    });
  }

  // 3. Every connection got every message of each of its conversations exactly once, in seq order.
  let streams = 0;
  let expectedDeliveries = 0;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let wrongMessage = 0;
  const failures: string[] = [];
  for (const client of clients) {
    const followed = [fixture.group];
    if (client.index < fixture.pairs.length * 2)
      followed.push(fixture.pairs[Math.floor(client.index / 2)] as string);
    for (const conversationId of followed) {
      if (conversationId === fixture.group && client.index >= settings.groupSize) continue;
      streams += 1;
      const expected = byConversation.get(conversationId) ?? [];
      expectedDeliveries += expected.length;
      const got = client.received.get(conversationId) ?? { seqs: [], clientIds: [] };
      const seen = new Set<number>();
      let previous = 0;
      let streamOk = true;
      got.seqs.forEach((seq, i) => {
        if (seen.has(seq)) {
          duplicated += 1;
          streamOk = false;
          return;
        }
        seen.add(seq);
        if (seq < previous) {
          reordered += 1;
          streamOk = false;
        }
        previous = Math.max(previous, seq);
        if (expected[seq - 1]?.clientId !== got.clientIds[i]) {
          wrongMessage += 1;
          streamOk = false;
        }
      });
      const missing = expected.filter((item) => !seen.has(item.seq)).length;
      if (missing > 0) streamOk = false;
      lost += missing;
      if (!streamOk && failures.length < 10)
        failures.push(
          `user ${client.index} conversation ${conversationId}: got ${got.seqs.length}, expected ${expected.length}`,
        );
    }
  }
  for (const client of clients) {
    for (const conversationId of client.received.keys()) {
      if (!conversations.includes(conversationId))
        failures.push(`user ${client.index} got foreign ${conversationId}`);
    }
  }

  const summary = {
    acked,
    ackedMissingFromDb: ackedMissing,
    ackedStoredTwice: ackedDuplicated,
    ackedDifferentFromDb: ackedMismatch,
    sentNeverAcked: unacked,
    storedNeverAcked: storedNotAcked,
    seqGaps,
    streamsChecked: streams,
    deliveriesExpected: expectedDeliveries,
    lost,
    duplicated,
    reordered,
    wrongMessage,
    unknownAcks: anomalies.unknownAcks,
    duplicateAcks: anomalies.duplicateAcks,
    unknownMessages: anomalies.unknownMessages,
    errorFrames: anomalies.errorFrames.length,
  };
  const ok =
    Object.entries(summary).every(
      ([key, value]) => ['acked', 'streamsChecked', 'deliveriesExpected'].includes(key) || value === 0,
    ) && failures.length === 0;
  return { ok, summary, failures, errorFrames: anomalies.errorFrames };
}

// ---------------------------------------------------------------------------------------------- output

function printTable(result: {
  baseline: { rowsPerSecond: number; connections: number; seconds: number };
  parley: {
    ackedPerSecond: number;
    sendToAckMs: LatencySummary;
    sendToDeliveryMs: LatencySummary;
    seconds: number;
  };
  paced: {
    targetPerSecond: number;
    ackedPerSecond: number;
    sendToAckMs: LatencySummary;
    sendToDeliveryMs: LatencySummary;
  };
  fanout: { members: number; messages: number; sendToDeliveryMs: LatencySummary; deliveries: number };
  checks: { ok: boolean; summary: Record<string, number> };
  targets: Record<string, { met: boolean }>;
}): void {
  const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);
  const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
  const rows: [string, string, string, string][] = [
    ['metric', 'value', 'target', ''],
    [
      `baseline: raw INSERT, ${result.baseline.connections} conns`,
      `${result.baseline.rowsPerSecond} rows/s`,
      '',
      '',
    ],
    [
      'parley: acked msgs/s',
      `${result.parley.ackedPerSecond} msgs/s`,
      `>= ${TARGETS.throughputRatio} x baseline`,
      `${round(result.parley.ackedPerSecond / result.baseline.rowsPerSecond, 2)} x ${mark(result.targets.throughput?.met)}`,
    ],
    [
      'parley: send->ack p50 / p99',
      `${ms(result.parley.sendToAckMs.p50)} / ${ms(result.parley.sendToAckMs.p99)}`,
      '',
      '',
    ],
    [
      'parley: send->delivery p50 / p99',
      `${ms(result.parley.sendToDeliveryMs.p50)} / ${ms(result.parley.sendToDeliveryMs.p99)}`,
      '',
      '',
    ],
    [
      `paced (${result.paced.targetPerSecond}/s): send->ack p50 / p99`,
      `${ms(result.paced.sendToAckMs.p50)} / ${ms(result.paced.sendToAckMs.p99)}`,
      '',
      '',
    ],
    [
      `paced (${result.paced.targetPerSecond}/s): send->delivery p50 / p99`,
      `${ms(result.paced.sendToDeliveryMs.p50)} / ${ms(result.paced.sendToDeliveryMs.p99)}`,
      `p99 <= ${TARGETS.pacedDeliveryP99Ms} ms`,
      mark(result.targets.pacedDeliveryP99?.met),
    ],
    [
      `fan-out (${result.fanout.members} members): p50 / p99`,
      `${ms(result.fanout.sendToDeliveryMs.p50)} / ${ms(result.fanout.sendToDeliveryMs.p99)}`,
      `p99 <= ${TARGETS.fanoutP99Ms} ms`,
      mark(result.targets.fanoutP99?.met),
    ],
    [
      'checks: lost / duplicated / reordered',
      `${result.checks.summary.lost} / ${result.checks.summary.duplicated} / ${result.checks.summary.reordered} (${result.checks.summary.deliveriesExpected} deliveries, ${result.checks.summary.acked} acks)`,
      '0 / 0 / 0',
      mark(result.targets.exactlyOnceInOrder?.met),
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    `\n${line(rows[0] as string[])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`,
  );
  for (const row of rows.slice(1)) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\n');
}

await main();
