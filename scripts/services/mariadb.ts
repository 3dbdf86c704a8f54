import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './free-port.js';
import { makeTlsFiles } from './tls.js';

const run = promisify(execFile);

export interface MariaDbOptions {
  /** Require TLS for every connection (`require_secure_transport=ON`) with a certificate made for the run. */
  tls?: boolean;
  /** Durable commit settings for benchmarks: binary log with sync_binlog=1 (InnoDB already flushes at commit). */
  durable?: boolean;
  /** InnoDB buffer pool size (`256M` unless given): benchmarks over big tables want their data in memory. */
  bufferPoolSize?: string;
  /** `performance_schema=ON`, for statement digests in benchmarks (costs some CPU per statement). */
  performanceSchema?: boolean;
}

export interface MariaDbServer {
  readonly host: string;
  readonly port: number;
  /** Root over TCP with a password: `mysql://root:…@127.0.0.1:port/`. */
  readonly adminUrl: string;
  /** The CA that signed the server certificate (TLS servers only). */
  readonly caFile: string | undefined;
  stop(): Promise<void>;
  /** Stops the server process but keeps its data, for outage tests; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

function findBinary(name: string): string | undefined {
  const dirs = ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  return dirs.map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}

const MISSING =
  'MariaDB server not found. Install the Debian package mariadb-server (npm test does this itself with ' +
  'apt-get when run as root), or point TEST_DATABASE_URL at an existing server.';

async function waitForSocket(socket: string, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const connection = await createConnection({ socketPath: socket, user: 'root' });
      await connection.end();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`MariaDB did not start:\n${log}`);
}

/**
 * Starts a private MariaDB in a temporary directory on a free loopback port, as the tests and benchmarks
 * need it: real server, real InnoDB, optional TLS-only mode. The caller stops it.
 */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  if (!mariadbd || !installDb) throw new Error(MISSING);

  const dir = mkdtempSync(path.join(tmpdir(), 'parley-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const errorLog = path.join(dir, 'error.log');
  // Its own temporary directory: the server's internal temporary tables (e.g. for information_schema
  // reads) must not live in the machine's shared /tmp, where several servers and cleaners meet; a full run
  // once failed with "Error on delete of '/tmp/#sql-temptable-….MAI'".
  const tmpDir = path.join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  // mariadb-install-db now and then fails on a loaded machine with a temporary-file error while several
  // servers are being created at once; a fresh data directory and another try has always worked.
  for (let attempt = 1; ; attempt++) {
    try {
      await run(installDb, [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        `--tmpdir=${tmpDir}`,
        ...user,
      ]);
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const tls = options.tls ? makeTlsFiles(dir) : undefined;
  const port = await freePort();
  const password = `root-${Math.random().toString(36).slice(2)}`;
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    `--pid-file=${path.join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--tmpdir=${tmpDir}`,
    `--innodb-buffer-pool-size=${options.bufferPoolSize ?? '256M'}`,
    '--max-connections=500',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_bin',
    ...user,
    ...(tls
      ? [
          `--ssl-ca=${tls.caCert}`,
          `--ssl-cert=${tls.serverCert}`,
          `--ssl-key=${tls.serverKey}`,
          '--require-secure-transport=ON',
        ]
      : []),
    ...(options.durable
      ? [
          '--innodb-flush-log-at-trx-commit=1',
          `--log-bin=${path.join(dir, 'binlog')}`,
          '--sync-binlog=1',
          '--server-id=1',
        ]
      : []),
    ...(options.performanceSchema ? ['--performance-schema=ON'] : []),
  ];

  let child: ChildProcess | undefined;
  let firstStart = true;
  const start = async () => {
    const proc = spawn(mariadbd, args, { stdio: 'ignore' });
    child = proc;
    await waitForSocket(socket, proc, errorLog);
    if (firstStart) {
      firstStart = false;
      const connection = await createConnection({ socketPath: socket, user: 'root' });
      await connection.query(`ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '${password}'`);
      await connection.end();
    }
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  const server: MariaDbServer = {
    host: '127.0.0.1',
    port,
    adminUrl: `mysql://root:${password}@127.0.0.1:${port}/`,
    caFile: tls?.caCert,
    start,
    kill,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const cleanup = () => {
    child?.kill('SIGKILL');
  };
  process.once('exit', cleanup);
  return server;
}
