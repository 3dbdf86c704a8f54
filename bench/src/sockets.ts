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
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { loginAll } from './fixture.js';
import { machineInfo, processCpuMs } from './probe.js';
import { type BenchServer, startBenchServer } from './server.js';
import { log, resultsDir, rootDir, round, settings } from './settings.js';
import type { WorkerSocket } from './socket-worker.js';
import { senderSocket, Worker } from './sockets-clients.js';
import { createFixture, socketSettings } from './sockets-fixture.js';
import { Samples, sleep } from './stats.js';

const runFile = promisify(execFile);
const TARGETS = { rssPerSocketKb: 30, idleCpuPercent: 5, fanoutP99Ms: 50 };

const load = () => os.loadavg().map((value) => round(value, 2));

function rssKb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * Has the server (started with `--heapsnapshot-signal=SIGWINCH`) write a heap snapshot into `dir` and
 * waits until the file stops growing; its path (summarise it with `npm run heap:top -w @parley/bench`).
 */
async function heapSnapshot(server: BenchServer, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  server.signal('SIGWINCH');
  for (let lastSize = -1; ; ) {
    await sleep(2000);
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const size = statSync(path.join(dir, file)).size;
    if (size > 0 && size === lastSize) return path.join(dir, file);
    lastSize = size;
  }
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
  let server: BenchServer | undefined;
  let admin: Connection | undefined;
  const workers: Worker[] = [];
  try {
    if (settings.cpuProfile || settings.heapSnapshot) mkdirSync(profileDir, { recursive: true });
    const started = await startBenchServer({
      mariadb,
      dataDir,
      env: {
        WS_HEARTBEAT_MS: String(socketSettings.heartbeatMs),
        LIMIT_WS_SOCKETS_PER_USER: String(Math.max(1000, socketSettings.socketsPerIdleUser)),
      },
      profileDir: settings.cpuProfile ? profileDir : undefined,
      nodeArgs: settings.heapSnapshot
        ? ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${profileDir}`]
        : [],
    });
    server = started.server;
    const { port, baseUrl, adminUrl } = started;
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
    if (settings.heapSnapshot) log(`heap snapshot: ${await heapSnapshot(server, profileDir)}`);

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
      command: settings.smoke ? 'npm run bench:sockets -- --smoke' : 'npm run bench:sockets',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      settings: socketSettings,
      connect,
      idle,
      fanout,
      targets,
    };
    mkdirSync(resultsDir, { recursive: true });
    const name = `sockets-${settings.smoke ? 'smoke-' : ''}${startedAt.toISOString().replace(/[:.]/g, '-')}`;
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
