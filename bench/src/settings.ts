/** What one benchmark run does, read once from BENCH_* variables (docs/performance.md, "Command"). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const rootDir = fileURLToPath(new URL('../../', import.meta.url));
export const resultsDir = path.join(rootDir, 'bench', 'results');

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/**
 * `--smoke` (or BENCH_SMOKE=1): every phase, every check, at a size that runs in well under a minute. It
 * proves the benchmark still works end to end; its numbers mean nothing. BENCH_* variables still win.
 */
const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const defaults = smoke
  ? { seconds: 3, pacedSeconds: 2, connections: 4, pairs: 10, groupSize: 20, fanoutMessages: 3, gapMs: 50 }
  : {
      seconds: 20,
      pacedSeconds: 15,
      connections: 64,
      pairs: 100,
      groupSize: 1000,
      fanoutMessages: 20,
      gapMs: 250,
    };

const seconds = envNumber('BENCH_SECONDS', defaults.seconds);
export const settings = {
  smoke,
  baselineSeconds: envNumber('BENCH_BASELINE_SECONDS', seconds),
  baselineConnections: envNumber('BENCH_BASELINE_CONNECTIONS', defaults.connections),
  parleySeconds: envNumber('BENCH_PARLEY_SECONDS', seconds),
  pairs: envNumber('BENCH_PAIRS', defaults.pairs),
  /** Sends a client may have awaiting their ack in the as-fast-as-acks phase. */
  window: envNumber('BENCH_WINDOW', 1),
  pacedSeconds: envNumber('BENCH_PACED_SECONDS', Math.min(defaults.pacedSeconds, seconds)),
  pacedFraction: envNumber('BENCH_PACED_FRACTION', 0.5),
  /**
   * A fixed paced rate (msgs/s) instead of the fraction of the measured one: compares CPU per message of
   * two builds at the same rate (batch sizes depend on the rate). Unset: `pacedFraction` of the run's.
   */
  pacedRate: process.env.BENCH_PACED_RATE ? envNumber('BENCH_PACED_RATE', 1) : undefined,
  groupSize: envNumber('BENCH_GROUP_SIZE', defaults.groupSize),
  fanoutMessages: envNumber('BENCH_FANOUT_MESSAGES', defaults.fanoutMessages),
  fanoutGapMs: envNumber('BENCH_FANOUT_GAP_MS', defaults.gapMs),
  bodyLength: envNumber('BENCH_BODY_LENGTH', 64),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  /** `bench:sockets`: write a heap snapshot of the server after the idle phase (bench/results/profiles). */
  heapSnapshot: process.env.BENCH_HEAP_SNAPSHOT === '1',
  /** MariaDB with performance_schema; the Parley and paced phases record their top statement digests. */
  dbDigests: process.env.BENCH_DB_DIGESTS === '1',
  skipBuild: process.env.BENCH_SKIP_BUILD === '1',
};
export type Settings = typeof settings;

export const TARGETS = { throughputRatio: 1.5, pacedDeliveryP99Ms: 50, fanoutP99Ms: 100 };

/**
 * Parley's limits are sized for people. The benchmark is one load generator sending thousands of messages
 * a second over ~1,000 sockets, all from 127.0.0.1, so it raises every limit it would otherwise hit
 * (docs/performance.md, "Limits"). Logins come from distinct X-Forwarded-For addresses and stay limited.
 */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  LIMIT_MESSAGES: '1000000/1s',
  LIMIT_WS_FRAMES: '1000000/1s',
  LIMIT_WS_CONNECTS: '1000000/1s',
  LIMIT_WS_SOCKETS_PER_USER: '1000',
  LIMIT_WS_SOCKETS_PER_IP: '1000000',
};

export const PASSWORD = 'bench-violet-harbor-lantern-42';

export const log = (line: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export function bodyText(n: number): string {
  const text = `bench message ${n} `;
  return text.padEnd(settings.bodyLength, 'abcdefghijklmnopqrstuvwxyz ');
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
