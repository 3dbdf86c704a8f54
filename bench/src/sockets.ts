/**
 * `npm run bench:sockets`: 10,000 connected, authenticated sockets on one Parley instance (issue 15,
 * target 4), in one run.
 *
 * 1. Starts a durable MariaDB and the compiled server (its own process) with the per-user and per-address
 *    socket caps and the connect rate raised (BENCH_LIMITS plus LIMIT_WS_SOCKETS_PER_USER).
 * 2. Users: a group of BENCH_SOCKETS_GROUP (1,000) members, one socket each, whose deliveries are
 *    measured; the other sockets belong to a few more users (BENCH_SOCKETS_PER_IDLE_USER each, in direct
 *    conversations). Every user logs in once through POST /api/auth/login; its sockets share the token.
 * 3. Connect: BENCH_SOCKET_WORKERS client processes (socket-worker.ts) open every socket at once, each
 *    socket doing `auth` → `ready` → `resume` → `resumed`: the connect+auth+resume rate.
 * 4. Idle: server RSS growth per connected socket, and server CPU over BENCH_SOCKETS_IDLE_SECONDS with
 *    only the heartbeat running (WS_HEARTBEAT_MS, ping + session re-check per socket).
 * 5. Fan-out: BENCH_FANOUT_MESSAGES messages to the group, with all sockets connected; send→delivery at
 *    every member's socket (clocks: `performance.timeOrigin + now()`, one machine).
 * Load averages are recorded at every step. Writes bench/results/sockets-<timestamp>.json.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type Algorithm, hash } from '@node-rs/argon2';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import WebSocket from 'ws';
import { toDbTime } from '../../apps/api/src/db/time.js';
import { newId } from '../../apps/api/src/ids.js';
import { freePort } from '../../scripts/services/free-port.js';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { loginAll } from './fixture.js';
import { machineInfo, processCpuMs } from './probe.js';
import { startServer } from './server.js';
import { BENCH_LIMITS, envNumber, log, PASSWORD, resultsDir, rootDir, round, settings } from './settings.js';
import type { ParentCommand, WorkerReply, WorkerSocket } from './socket-worker.js';
import { Samples, sleep } from './stats.js';

const runFile = promisify(execFile);
const smoke = settings.smoke;
const socketSettings = {
  sockets: envNumber('BENCH_SOCKETS', smoke ? 300 : 10_000),
  groupMembers: envNumber('BENCH_SOCKETS_GROUP', smoke ? 50 : 1000),
  socketsPerIdleUser: envNumber('BENCH_SOCKETS_PER_IDLE_USER', 100),
  workers: envNumber('BENCH_SOCKET_WORKERS', 4),
  connectConcurrency: envNumber('BENCH_SOCKETS_CONNECT_CONCURRENCY', 50),
  idleSeconds: envNumber('BENCH_SOCKETS_IDLE_SECONDS', smoke ? 3 : 55),
  heartbeatMs: envNumber('BENCH_WS_HEARTBEAT_MS', 25_000),
  fanoutMessages: settings.fanoutMessages,
  fanoutGapMs: settings.fanoutGapMs,
};
const TARGETS = { rssPerSocketKb: 30, idleCpuPercent: 5, fanoutP99Ms: 50 };

const load = () => os.loadavg().map((value) => round(value, 2));

function rssKb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

interface Fixture {
  users: { id: string; email: string }[];
  group: string;
  /** Conversations of each user (index-aligned with users). */
  conversationsOf: string[][];
  /** Sockets each user opens. */
  socketsOf: number[];
}

async function createFixture(admin: Connection): Promise<Fixture> {
  const idleSockets = Math.max(0, socketSettings.sockets - socketSettings.groupMembers);
  const idleUsers = Math.ceil(idleSockets / socketSettings.socketsPerIdleUser);
  const userCount = socketSettings.groupMembers + idleUsers + (idleUsers % 2);
  const passwordHash = await hash(PASSWORD, {
    algorithm: 2 as Algorithm,
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
    outputLen: 32,
  });
  const now = toDbTime(new Date());
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: newId(),
    email: `sockets-${i}-${randomBytes(3).toString('hex')}@example.com`,
  }));
  const conversationsOf: string[][] = users.map(() => []);
  const socketsOf = users.map((_, i): number => (i < socketSettings.groupMembers ? 1 : 0));
  let left = idleSockets;
  for (let i = socketSettings.groupMembers; i < userCount && left > 0; i += 1) {
    socketsOf[i] = Math.min(left, socketSettings.socketsPerIdleUser);
    left -= socketsOf[i] as number;
  }
  const conversations: unknown[][] = [];
  const members: unknown[][] = [];
  const group = newId();
  const owner = users[0] as { id: string };
  conversations.push([group, 'group', 'Sockets fan-out', null, owner.id, now, now]);
  for (let i = 0; i < socketSettings.groupMembers; i += 1) {
    members.push([group, (users[i] as { id: string }).id, i === 0 ? 'owner' : 'member', now]);
    conversationsOf[i]?.push(group);
  }
  for (let i = socketSettings.groupMembers; i + 1 < userCount; i += 2) {
    const a = users[i] as { id: string };
    const b = users[i + 1] as { id: string };
    const id = newId();
    conversations.push([id, 'direct', null, [a.id, b.id].sort().join(':'), a.id, now, now]);
    members.push([id, a.id, 'member', now], [id, b.id, 'member', now]);
    conversationsOf[i]?.push(id);
    conversationsOf[i + 1]?.push(id);
  }
  const insertRows = async (sql: string, rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 500)
      await admin.query(sql, [rows.slice(start, start + 500)]);
  };
  await insertRows(
    'INSERT INTO users (id, email, email_verified_at, password_hash, display_name, created_at, updated_at) VALUES ?',
    users.map((u, i) => [u.id, u.email, now, passwordHash, `Sockets ${i}`, now, now]),
  );
  await insertRows(
    'INSERT INTO conversations (id, type, title, direct_key, created_by, created_at, updated_at) VALUES ?',
    conversations,
  );
  await insertRows(
    'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ?',
    members,
  );
  return { users, group, conversationsOf, socketsOf };
}

class Worker {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<WorkerReply['type'], (reply: WorkerReply) => void>();

  constructor() {
    this.#child = fork(path.join(rootDir, 'bench', 'src', 'socket-worker.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: rootDir,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: WorkerReply) => {
      const waiter = this.#waiting.get(reply.type);
      this.#waiting.delete(reply.type);
      waiter?.(reply);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  ask<T extends WorkerReply['type']>(
    command: ParentCommand,
    answer: T,
  ): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve) => {
      this.#waiting.set(answer, resolve as (reply: WorkerReply) => void);
      this.#child.send(command);
    });
  }

  tell(command: ParentCommand): void {
    this.#child.send(command);
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

/** The group owner's own socket in this process: sends the fan-out messages and counts their acks. */
async function senderSocket(url: string, origin: string, token: string) {
  const socket = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
  const acks = new Map<string, () => void>();
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; clientId?: string };
      if (frame.type === 'ready') resolve();
      if (frame.type === 'ack' || frame.type === 'error') acks.get(frame.clientId ?? '')?.();
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
    socket.once('error', reject);
  });
  return {
    send(conversationId: string, body: string): Promise<void> {
      const clientId = randomUUID();
      return new Promise((resolve) => {
        acks.set(clientId, resolve);
        socket.send(JSON.stringify({ type: 'send', conversationId, clientId, body }));
      });
    },
    close: () => socket.terminate(),
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, load ${load().join(' ')}`);
  log(`settings: ${JSON.stringify(socketSettings)}`);
  if (!settings.skipBuild) {
    log('building (tsc -b)…');
    await runFile(path.join(rootDir, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: rootDir });
  }
  const mariadb = await startMariaDb({ durable: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-sockets-'));
  const profileDir = path.join(resultsDir, 'profiles');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let admin: Connection | undefined;
  const workers: Worker[] = [];
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
        WS_HEARTBEAT_MS: String(socketSettings.heartbeatMs),
        ...BENCH_LIMITS,
        LIMIT_WS_SOCKETS_PER_USER: String(Math.max(1000, socketSettings.socketsPerIdleUser)),
      },
      settings.cpuProfile ? profileDir : undefined,
    );
    admin = await createConnection({ uri: adminUrl.toString() });
    const [[versionRow]] = await admin.query<RowDataPacket[]>('SELECT @@pid_file AS pidFile');
    const mariadbPid = Number(readFileSync(String(versionRow?.pidFile), 'utf8').trim());
    log(`Parley (pid ${server.pid}) at ${baseUrl}, MariaDB pid ${mariadbPid}`);

    const fixture = await createFixture(admin);
    const loginStart = performance.now();
    const tokens = await loginAll(baseUrl, baseUrl, fixture.users);
    log(
      `${fixture.users.length} users logged in (${round((performance.now() - loginStart) / 1000, 1)} s); group ${socketSettings.groupMembers} members`,
    );

    const specs: WorkerSocket[] = [];
    fixture.users.forEach((_, i) => {
      for (let s = 0; s < (fixture.socketsOf[i] ?? 0); s += 1) {
        specs.push({
          token: tokens[i] as string,
          conversations: fixture.conversationsOf[i] ?? [],
          measure: i < socketSettings.groupMembers,
        });
      }
    });
    for (let w = 0; w < socketSettings.workers; w += 1) workers.push(new Worker());
    const shares = workers.map((_, w) => specs.filter((_, i) => i % workers.length === w));
    await sleep(2000); // workers loading tsx
    const rssBefore = rssKb(server.pid);
    const cpuBeforeConnect = processCpuMs(server.pid);
    const loadBeforeConnect = load();
    log(
      `connecting ${specs.length} sockets from ${workers.length} client processes… (server RSS ${rssBefore} KB)`,
    );
    const connectStart = performance.now();
    const connected = await Promise.all(
      workers.map((worker, w) =>
        worker.ask(
          {
            type: 'connect',
            url: `ws://127.0.0.1:${port}/api/ws`,
            origin: baseUrl,
            sockets: shares[w] ?? [],
            concurrency: socketSettings.connectConcurrency,
          },
          'connected',
        ),
      ),
    );
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const connectCpuMs = processCpuMs(server.pid) - cpuBeforeConnect;
    const ok = connected.reduce((sum, r) => sum + r.ok, 0);
    const failed = connected.reduce((sum, r) => sum + r.failed, 0);
    const connect = {
      sockets: ok,
      failed,
      firstError: connected.find((r) => r.firstError)?.firstError,
      seconds: round(connectSeconds, 2),
      perSecond: Math.round(ok / connectSeconds),
      serverCpuMsPerSocket: round(connectCpuMs / Math.max(1, ok), 2),
      serverCpuPercentOfOneCore: Math.round((connectCpuMs / (connectSeconds * 1000)) * 100),
      loadAverageBefore: loadBeforeConnect,
      loadAverageAfter: load(),
    };
    log(
      `connect+auth+resume: ${ok} sockets (${failed} failed) in ${connect.seconds} s = ${connect.perSecond}/s`,
    );

    // Idle: let the connect's garbage go, then RSS and heartbeat-only CPU.
    await sleep(5000);
    const rssConnected = rssKb(server.pid);
    const idleCpuBefore = processCpuMs(server.pid);
    const idleStart = performance.now();
    const loadBeforeIdle = load();
    log(`idle for ${socketSettings.idleSeconds} s (heartbeat every ${socketSettings.heartbeatMs} ms)…`);
    await sleep(socketSettings.idleSeconds * 1000);
    const idleMs = performance.now() - idleStart;
    const idleCpuMs = processCpuMs(server.pid) - idleCpuBefore;
    const rssAfterIdle = rssKb(server.pid);
    const idle = {
      seconds: round(idleMs / 1000, 1),
      heartbeatMs: socketSettings.heartbeatMs,
      serverCpuPercentOfOneCore: round((idleCpuMs / idleMs) * 100, 2),
      rssKb: { beforeConnect: rssBefore, connected: rssConnected, afterIdle: rssAfterIdle },
      rssPerSocketKb: round((Math.min(rssConnected, rssAfterIdle) - rssBefore) / Math.max(1, ok), 2),
      rssPerSocketKbAfterConnect: round((rssConnected - rssBefore) / Math.max(1, ok), 2),
      loadAverageBefore: loadBeforeIdle,
      loadAverageAfter: load(),
    };
    log(
      `idle: server CPU ${idle.serverCpuPercentOfOneCore} % of a core; RSS ${rssBefore} → ${rssConnected} → ${rssAfterIdle} KB = ${idle.rssPerSocketKb} KB per socket`,
    );

    // Fan-out to the group with every socket connected.
    for (const worker of workers) worker.tell({ type: 'listen', conversationId: fixture.group });
    const sender = await senderSocket(`ws://127.0.0.1:${port}/api/ws`, baseUrl, tokens[0] as string);
    const loadBeforeFanout = load();
    const fanoutCpuBefore = processCpuMs(server.pid);
    const fanoutStart = performance.now();
    log(`fan-out: ${socketSettings.fanoutMessages} messages to ${socketSettings.groupMembers} members…`);
    for (let i = 0; i < socketSettings.fanoutMessages; i += 1) {
      await sender.send(fixture.group, `fanout ${i} ${performance.timeOrigin + performance.now()}`);
      await sleep(socketSettings.fanoutGapMs);
    }
    await sleep(1000);
    const fanoutCpuMs = processCpuMs(server.pid) - fanoutCpuBefore;
    const fanoutMs = performance.now() - fanoutStart;
    sender.close();
    const samples = new Samples();
    let closedEarly = 0;
    for (const worker of workers) {
      const report = await worker.ask({ type: 'report' }, 'latencies');
      for (const value of report.values) samples.add(value);
      closedEarly += report.closedEarly;
    }
    const fanout = {
      members: socketSettings.groupMembers,
      connectedSockets: ok,
      messages: socketSettings.fanoutMessages,
      gapMs: socketSettings.fanoutGapMs,
      deliveries: samples.count,
      expectedDeliveries: socketSettings.fanoutMessages * socketSettings.groupMembers,
      socketsClosedEarly: closedEarly,
      sendToDeliveryMs: samples.summary(),
      serverCpuPercentOfOneCore: Math.round((fanoutCpuMs / fanoutMs) * 100),
      loadAverageBefore: loadBeforeFanout,
      loadAverageAfter: load(),
    };
    log(
      `fan-out: ${fanout.deliveries}/${fanout.expectedDeliveries} deliveries, p50/p99 ${fanout.sendToDeliveryMs.p50}/${fanout.sendToDeliveryMs.p99} ms`,
    );

    const targets = {
      rssPerSocket: {
        valueKb: idle.rssPerSocketKb,
        targetKb: TARGETS.rssPerSocketKb,
        met: idle.rssPerSocketKb <= TARGETS.rssPerSocketKb,
      },
      idleCpu: {
        valuePercent: idle.serverCpuPercentOfOneCore,
        targetPercent: TARGETS.idleCpuPercent,
        met: idle.serverCpuPercentOfOneCore <= TARGETS.idleCpuPercent,
      },
      fanoutP99: {
        valueMs: fanout.sendToDeliveryMs.p99,
        targetMs: TARGETS.fanoutP99Ms,
        met: fanout.sendToDeliveryMs.p99 !== null && fanout.sendToDeliveryMs.p99 <= TARGETS.fanoutP99Ms,
      },
      allConnected: { value: ok, target: specs.length, met: ok === specs.length && closedEarly === 0 },
    };
    const result = {
      startedAt: startedAt.toISOString(),
      command: smoke ? 'npm run bench:sockets -- --smoke' : 'npm run bench:sockets',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      settings: socketSettings,
      connect,
      idle,
      fanout,
      targets,
    };
    mkdirSync(resultsDir, { recursive: true });
    const name = `sockets-${smoke ? 'smoke-' : ''}${startedAt.toISOString().replace(/[:.]/g, '-')}`;
    const file = path.join(resultsDir, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    for (const [name, target] of Object.entries(targets)) log(`target ${name}: ${JSON.stringify(target)}`);
    log(`results written to ${path.relative(rootDir, file)}`);
    if (!targets.allConnected.met || fanout.deliveries < fanout.expectedDeliveries) process.exitCode = 1;
  } finally {
    await Promise.all(
      workers.map((worker) =>
        Promise.race([worker.ask({ type: 'close' }, 'closed'), sleep(5000)]).finally(() => worker.kill()),
      ),
    );
    await admin?.end().catch(() => undefined);
    await server?.stop();
    await mariadb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
