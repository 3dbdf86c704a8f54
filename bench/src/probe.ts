/** The machine, and what MariaDB and each process did between two points of a run (counters, CPU). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { round } from './settings.js';

export function machineInfo() {
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
export function processCpuMs(pid: number | undefined): number {
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

export interface Probe {
  at: number;
  status: Record<string, number>;
  cpu: { server: number; mariadb: number; loadgen: number };
}

export interface ProbeContext {
  admin: Connection;
  serverPid: number | undefined;
  mariadbPid: number | undefined;
  /** MariaDB runs with performance_schema: phases record their top statement digests. */
  digests?: boolean;
  /** The server's Prometheus listener (METRICS_PORT), for its event-loop delay and GC pauses. */
  metricsUrl?: string;
}

/**
 * The server's event-loop delay since the last scrape (prom-client resets its histogram on every
 * collect) and its GC time so far, from its `/metrics`; undefined without a metrics URL.
 */
export async function serverPauses(ctx: ProbeContext) {
  if (!ctx.metricsUrl) return undefined;
  const text = await (await fetch(ctx.metricsUrl)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  let gcSeconds = 0;
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm))
    gcSeconds += Number(match[1]);
  return {
    eventLoopDelayMs: {
      p50: round(value('nodejs_eventloop_lag_p50_seconds') * 1000, 1),
      p99: round(value('nodejs_eventloop_lag_p99_seconds') * 1000, 1),
      max: round(value('nodejs_eventloop_lag_max_seconds') * 1000, 1),
    },
    gcSeconds: round(gcSeconds, 3),
  };
}

export async function probe(ctx: ProbeContext): Promise<Probe> {
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
export function between(a: Probe, b: Probe, messages: number) {
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
    /** CPU time per message (µs): what issue 15 targets (server ≤ 70, MariaDB ≤ 50). */
    cpuMicrosecondsPerMessage:
      messages > 0
        ? {
            server: Math.round(((b.cpu.server - a.cpu.server) * 1000) / messages),
            mariadb: Math.round(((b.cpu.mariadb - a.cpu.mariadb) * 1000) / messages),
            loadgen: Math.round(((b.cpu.loadgen - a.cpu.loadgen) * 1000) / messages),
          }
        : null,
    loadAverage: os.loadavg().map((value) => round(value, 2)),
  };
}

/** Forgets the statement digests so far (with BENCH_DB_DIGESTS=1: MariaDB runs with performance_schema). */
export async function resetDigests(ctx: ProbeContext): Promise<void> {
  if (!ctx.digests) return;
  await ctx.admin.query('TRUNCATE TABLE performance_schema.events_statements_summary_by_digest');
}

/**
 * The statements MariaDB spent most time on since `resetDigests`, per digest: count, total and mean time
 * (ms, µs) and rows examined per call — the "where does MariaDB's CPU go" profile of a phase.
 */
export async function topDigests(ctx: ProbeContext, limit = 10) {
  if (!ctx.digests) return undefined;
  const [rows] = await ctx.admin.query<RowDataPacket[]>(
    `SELECT DIGEST_TEXT AS text, COUNT_STAR AS calls, SUM_TIMER_WAIT AS total, MAX_TIMER_WAIT AS max,
       SUM_ROWS_EXAMINED AS examined
     FROM performance_schema.events_statements_summary_by_digest
     WHERE SCHEMA_NAME = 'parley' ORDER BY SUM_TIMER_WAIT DESC LIMIT ?`,
    [limit],
  );
  const all = rows.reduce((sum, row) => sum + Number(row.total), 0);
  return rows.map((row) => ({
    statement: String(row.text).replace(/\s+/g, ' ').slice(0, 240),
    calls: Number(row.calls),
    totalMs: round(Number(row.total) / 1e9, 1),
    meanUs: round(Number(row.total) / 1e6 / Math.max(1, Number(row.calls)), 1),
    maxMs: round(Number(row.max) / 1e9, 1),
    rowsExaminedPerCall: round(Number(row.examined) / Math.max(1, Number(row.calls)), 1),
    shareOfTop: round(Number(row.total) / Math.max(1, all), 3),
  }));
}
