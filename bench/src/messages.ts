/**
 * `npm run bench:messages`: the messaging benchmark of issue 4 (item 12), in one run.
 *
 * 1. Starts a durable MariaDB (innodb_flush_log_at_trx_commit=1, binlog, sync_binlog=1) and the compiled
 *    Parley server against it (its own process; DATABASE_ADMIN_URL makes it create schema + app user).
 * 2. Baseline: raw mysql2 single-row INSERTs (autocommit) into the same `messages` table, N connections
 *    (baseline.ts).
 * 3. Parley: WebSocket clients in direct conversations, each sending as fast as acks return (window W).
 * 4. Parley paced at half of the throughput measured in 3, for send→delivery latency.
 * 5. Fan-out: messages to a group whose members are all connected (3–5: phases.ts).
 * 6. Checks: every ack is in the database exactly once; every connection got every message of its
 *    conversations exactly once, in seq order (verify.ts).
 * Prints a table and writes bench/results/messages-<timestamp>.json (report.ts). Not a test; never run by
 * `npm test`. `npm run bench:smoke` runs every step at a tiny size (settings.ts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { freePort } from '../../scripts/services/free-port.js';
import { startMariaDb } from '../../scripts/services/mariadb.js';
import { runBaseline } from './baseline.js';
import { BenchClient } from './bench-client.js';
import { createFixture, loginAll } from './fixture.js';
import { type PairTraffic, runAsFastAsAcks, runFanout, runPaced } from './phases.js';
import { machineInfo, type ProbeContext } from './probe.js';
import { printTable, targetsMet } from './report.js';
import { type BenchServer, startBenchServer } from './server.js';
import { log, resultsDir, rootDir, round, settings } from './settings.js';
import { mapLimit, sleep } from './stats.js';
import { Traffic } from './traffic.js';
import { verify } from './verify.js';

const runFile = promisify(execFile);

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
  const mariadb = await startMariaDb({ durable: true, performanceSchema: settings.dbDigests });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const profileDir = path.join(resultsDir, 'profiles');
  let server: BenchServer | undefined;
  const clients: BenchClient[] = [];
  let admin: Connection | undefined;
  try {
    const metricsPort = await freePort();
    if (settings.cpuProfile) mkdirSync(profileDir, { recursive: true });
    const started = await startBenchServer({
      mariadb,
      dataDir,
      env: {
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
        // Compares write concurrencies (docs/performance.md); unset, the server's default.
        ...(process.env.MESSAGE_WRITE_CONCURRENCY
          ? { MESSAGE_WRITE_CONCURRENCY: process.env.MESSAGE_WRITE_CONCURRENCY }
          : {}),
      },
      profileDir: settings.cpuProfile ? profileDir : undefined,
    });
    server = started.server;
    const { port, baseUrl, adminUrl } = started;
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
    const ctx: ProbeContext = {
      admin,
      serverPid: server.pid,
      mariadbPid,
      digests: settings.dbDigests,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    };
    log(`MariaDB ${mariadbInfo.version} (pid ${mariadbPid}), ${JSON.stringify(mariadbInfo)}`);

    const setupStart = performance.now();
    const fixture = await createFixture(admin);
    log(`fixture: ${fixture.users.length} users, ${fixture.pairs.length} direct conversations, 1 group`);
    const tokens = await loginAll(baseUrl, baseUrl, fixture.users);
    log(`logged in ${tokens.length} users through POST /api/auth/login`);

    const traffic = new Traffic();
    const wsUrl = `ws://127.0.0.1:${port}/api/ws`;
    const connected = await mapLimit(fixture.users, 50, (user, i) =>
      BenchClient.connect(wsUrl, baseUrl, i, user.id, tokens[i] as string, traffic.handlers),
    );
    clients.push(...connected);
    const setupSeconds = round((performance.now() - setupStart) / 1000, 1);
    log(`${clients.length} WebSockets authenticated and ready (setup ${setupSeconds} s)`);

    const pairs: PairTraffic = {
      traffic,
      clients: clients.slice(0, settings.pairs * 2),
      conversationOf: (client) => fixture.pairs[Math.floor(client.index / 2)] as string,
      ctx,
    };

    log(
      `baseline: raw mysql2 single-row INSERTs, ${settings.baselineConnections} connections, ${settings.baselineSeconds} s…`,
    );
    const baseline = await runBaseline(mariadb.adminUrl, fixture, ctx);
    log(`baseline: ${baseline.rowsPerSecond} rows/s`);
    await sleep(1000);

    const parley = await runAsFastAsAcks(pairs);
    await sleep(1000);
    const paced = await runPaced(pairs, parley.ackedPerSecond);
    await sleep(1000);
    const fanout = await runFanout(traffic, clients.slice(0, settings.groupSize), fixture.group, ctx);

    await sleep(500);
    log('checking the database and every connection’s log…');
    const checks = await verify(admin, fixture, clients, traffic);
    log(`checks: ${checks.ok ? 'OK' : 'FAILED'} ${JSON.stringify(checks.summary)}`);

    const targets = targetsMet(parley, baseline, paced, fanout, checks.ok, settings.pacedFraction);
    const totalSeconds = round((performance.now() - wallStart) / 1000, 1);
    const result = {
      startedAt: startedAt.toISOString(),
      command: settings.smoke ? 'npm run bench:smoke' : 'npm run bench:messages',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      mariadb: mariadbInfo,
      settings,
      setupSeconds,
      baseline,
      parley,
      paced,
      fanout,
      checks,
      targets,
      totalSeconds,
    };
    mkdirSync(resultsDir, { recursive: true });
    const name = `messages-${settings.smoke ? 'smoke-' : ''}${startedAt.toISOString().replace(/[:.]/g, '-')}`;
    const file = path.join(resultsDir, `${name}.json`);
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

await main();
