/**
 * `npm run bench:start`: issue 15, target 5 — how long `npm start` takes from the command to
 * "Parley is running at", on the machine as it is.
 *
 * 1. first start: the build stamp is removed (as after a change to the sources), on a new data dir; with
 *    BENCH_START_CLEAN=1 every build output is removed too (as in a fresh clone: a full build);
 * 2. second and third start: nothing changed, on the data dir of the first (the target: ≤ 5 s).
 * Each start runs the real `npm start` (npm, the build check or build, migrations, the password hasher's
 * warm-up, listening) with its own port, and is stopped with SIGTERM once ready. Prints the times and
 * writes bench/results/start-<timestamp>.json. Not a test.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../scripts/services/free-port.js';
import { machineInfo } from './probe.js';
import { log, resultsDir, rootDir, round } from './settings.js';

const TARGET_SECONDS = 5;
const STAMP_FILE = path.join(rootDir, 'apps', 'api', 'dist', '.build-stamp');

interface StartResult {
  name: string;
  secondsToReady: number;
  built: boolean;
  loadAverage: number[];
}

async function timeStart(name: string, dataDir: string): Promise<StartResult> {
  const port = await freePort();
  const loadAverage = os.loadavg();
  const started = performance.now();
  // Its own process group, so stopping it stops npm, the shell and the server together.
  const child = spawn('npm', ['start'], {
    cwd: rootDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Parley is running at/.test(output)) resolve(performance.now());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before ready:\n${output}`)));
  });
  const readyAt = await ready;
  const pgid = child.pid as number;
  process.kill(-pgid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-pgid, 'SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  const result = {
    name,
    secondsToReady: round((readyAt - started) / 1000, 2),
    built: !/build: up to date/.test(output),
    loadAverage,
  };
  log(
    `${name}: ${result.secondsToReady} s to "Parley is running at" (${result.built ? 'built' : 'no build'})`,
  );
  return result;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, load ${os.loadavg()}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-start-'));
  try {
    rmSync(STAMP_FILE, { force: true });
    const clean = process.env.BENCH_START_CLEAN === '1';
    if (clean) {
      for (const dir of ['packages/contract/dist', 'apps/api/dist', 'apps/web/dist']) {
        rmSync(path.join(rootDir, dir), { recursive: true, force: true });
      }
    }
    const runs = [
      await timeStart(
        clean
          ? 'first start (no build outputs: a fresh clone, new data dir)'
          : 'first start (sources changed, new data dir)',
        dataDir,
      ),
      await timeStart('second start (unchanged, existing data dir)', dataDir),
      await timeStart('third start (unchanged, existing data dir)', dataDir),
    ];
    const second = runs[1]?.secondsToReady ?? Number.POSITIVE_INFINITY;
    const result = {
      startedAt: startedAt.toISOString(),
      command: 'npm run bench:start',
      machine: { ...machine, loadAverageAtEnd: os.loadavg() },
      runs,
      target: {
        target: `npm start on an existing data dir, nothing changed: ready in <= ${TARGET_SECONDS} s`,
        met: second <= TARGET_SECONDS,
      },
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `start-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`second start ${second} s (target <= ${TARGET_SECONDS} s): ${result.target.met ? 'met' : 'MISSED'}`);
    log(`results written to ${path.relative(rootDir, file)}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
