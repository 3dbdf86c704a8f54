import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/services/free-port.js';
import { BENCH_LIMITS } from './settings.js';

const rootDir = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer {
  readonly pid: number | undefined;
  /** Sends the process a signal (e.g. the one given to `--heapsnapshot-signal`). */
  signal(name: NodeJS.Signals): void;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the compiled API (`node apps/api/dist/main.js`, as `npm start` does) in its own process and waits
 * for its "Parley is running" line. With `profileDir`, Node writes a V8 CPU profile there on exit.
 */
export async function startServer(
  env: Record<string, string>,
  profileDir?: string,
  /** Extra Node flags for the server process (e.g. `--heapsnapshot-signal`). */
  nodeArgs: readonly string[] = [],
): Promise<BenchServer> {
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...nodeArgs,
    'apps/api/dist/main.js',
  ];
  const child = spawn(process.execPath, args, {
    cwd: rootDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const logFile = process.env.BENCH_SERVER_LOG;
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-100_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!/Parley is running at/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Parley did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    pid: child.pid,
    signal: (name) => child.kill(name),
    output: () => output,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The compiled server on a benchmark's MariaDB: its own port, data dir and app account (created by the
 * server from DATABASE_ADMIN_URL), trusting X-Forwarded-For, logging warnings only, with the benchmark
 * limits (BENCH_LIMITS) and then `env`.
 */
export async function startBenchServer(options: {
  mariadb: { readonly port: number; readonly adminUrl: string };
  dataDir: string;
  env?: Record<string, string>;
  profileDir?: string | undefined;
  nodeArgs?: readonly string[];
}): Promise<{ server: BenchServer; port: number; baseUrl: string; adminUrl: URL }> {
  const port = await freePort();
  const appPassword = `app-${randomBytes(12).toString('hex')}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminUrl = new URL(options.mariadb.adminUrl);
  adminUrl.pathname = '/parley';
  const server = await startServer(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      DATA_DIR: options.dataDir,
      DATABASE_URL: `mysql://parley_app:${appPassword}@127.0.0.1:${options.mariadb.port}/parley`,
      DATABASE_ADMIN_URL: adminUrl.toString(),
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      ...BENCH_LIMITS,
      ...options.env,
    },
    options.profileDir,
    options.nodeArgs,
  );
  return { server, port, baseUrl, adminUrl };
}
