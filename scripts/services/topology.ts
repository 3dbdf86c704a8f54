import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { type MariaDbServer, startMariaDb } from './mariadb.js';
import { type NginxProxy, startNginx } from './nginx.js';
import { type ServerProcess, spawnServer } from './parley-server.js';
import { type RedisServer, startRedis } from './redis.js';
import { type S3Server, startS3 } from './s3.js';
import { type SmtpCapture, startSmtpCapture } from './smtp-capture.js';
import { makeTlsFiles } from './tls.js';

const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../../apps/api', import.meta.url));

/** One Parley process behind the proxy, on its own port; it can be killed, stopped and started again. */
export interface ParleyInstance {
  readonly name: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, as nginx names it (and reports it in `X-Parley-Upstream`). */
  readonly upstream: string;
  readonly running: boolean;
  /** How many times a process was started: a new number means a new process (and a new output). */
  readonly starts: number;
  /** The current process's output (stdout and stderr); a new process starts a new log. */
  output(): string;
  /** Starts the process (if not running) and waits for "Parley is running at". */
  start(): Promise<void>;
  /** SIGTERM and wait: Parley's graceful shutdown (in-flight requests finish, sockets are closed). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash, with no chance to close anything. */
  kill(): Promise<void>;
}

export interface Topology {
  /** `https://localhost:PORT`: nginx, and every instance's PUBLIC_URL. */
  readonly baseUrl: string;
  /** The CA that signed nginx's certificate: what a browser or client must trust. */
  readonly caFile: string;
  /** The address nginx connects to the instances from, which is their TRUST_PROXY. */
  readonly proxyAddress: string;
  readonly nginx: NginxProxy;
  readonly instances: readonly ParleyInstance[];
  readonly mail: SmtpCapture;
  readonly s3: S3Server;
  readonly redis: RedisServer;
  readonly mariadb: MariaDbServer;
  /** Admin URL of the application's schema (root, TLS with `mariadb.caFile`), for assertions. */
  readonly adminSchemaUrl: string;
  /**
   * Restarts every instance, one after the other, as an ASG instance refresh behind the ALB: take it
   * out of the proxy's rotation, stop it gracefully, start it again, wait until it serves, put it back.
   */
  rollingRestart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  /** Parley's LOG_LEVEL in each instance. @default 'warn' */
  logLevel?: string;
  /** nginx's port. @default a free port */
  port?: number;
  /** How many Parley instances. @default 2 */
  instances?: number;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * The production shape on one machine, from Debian packages and no containers: nginx terminating TLS
 * (certificate from a throwaway CA) as the ALB stand-in, in front of two Parley instances (round robin,
 * WebSocket upgrades, X-Forwarded-For/-Proto), MariaDB that only accepts TLS with the app's
 * least-privileged user, Redis for fan-out and limits, s3rver for attachments and the SMTP capture.
 * The schema is migrated once with the admin URL, as the deploy step does; the instances hold no admin
 * credentials. They share DATA_DIR only for the local keyring file (Secrets Manager's stand-in).
 */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-topology-'));
  const tlsDir = path.join(dir, 'tls');
  const dataDir = path.join(dir, 'data');
  mkdirSync(tlsDir);
  mkdirSync(dataDir, { mode: 0o700 });
  const tls = makeTlsFiles(tlsDir);
  const count = options.instances ?? 2;
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const service of started.splice(0).reverse()) await service.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Started together; if one fails, the others are still stopped (allSettled waits for all of them).
    const track = <T extends { stop(): Promise<void> }>(service: T) => {
      started.push(service);
      return service;
    };
    const results = await Promise.allSettled([
      startMariaDb({ tls: true }).then(track),
      startRedis().then(track),
      startS3().then(track),
      startSmtpCapture().then(track),
    ]);
    const value = <T>(result: PromiseSettledResult<T>): T => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    };
    const [mariadb, redis, s3, mail] = [
      value(results[0]),
      value(results[1]),
      value(results[2]),
      value(results[3]),
    ];
    const caFile = mariadb.caFile;
    if (!caFile) throw new Error('MariaDB was started without TLS');

    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const nginx = await startNginx({
      upstreams: ports.map((port) => `127.0.0.1:${port}`),
      tls,
      port: options.port,
    });
    started.push(nginx);

    // The deploy step: schema, migrations and the app user (REQUIRE SSL), with the admin credentials.
    const databaseUrl = new URL(`mysql://127.0.0.1:${mariadb.port}/parley`);
    databaseUrl.username = `app_${hex(4)}`;
    databaseUrl.password = hex(16);
    const common = {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl.href,
      DATABASE_TLS_CA: caFile,
    };
    await run(process.execPath, ['--conditions=parley-source', '--import', 'tsx', 'src/cli/migrate.ts'], {
      cwd: apiDir,
      env: { PATH: process.env.PATH ?? '', ...common, DATABASE_ADMIN_URL: mariadb.adminUrl },
    });

    const env: Record<string, string> = {
      ...common,
      HOST: '127.0.0.1',
      PUBLIC_URL: nginx.url,
      // Only nginx's own hop is believed: X-Forwarded-For entries a client adds itself are not.
      TRUST_PROXY: nginx.proxyAddress,
      REDIS_URL: redis.url,
      SMTP_URL: mail.url,
      // Attachments in s3rver: the AWS SDK's standard endpoint and credential variables point the S3
      // client at it (an IP endpoint makes the SDK use path-style requests); Parley has no S3 setting.
      BLOB_STORE: `s3://${s3.bucket}/attachments`,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      LOG_LEVEL: options.logLevel ?? 'warn',
    };
    const instances = ports.map((port, index) => makeInstance(`parley-${index + 1}`, port, env));
    started.push({ stop: async () => void (await Promise.all(instances.map((i) => i.stop()))) });
    await Promise.all(instances.map((instance) => instance.start()));

    const adminSchema = new URL(mariadb.adminUrl);
    adminSchema.pathname = '/parley';
    return {
      baseUrl: nginx.url,
      caFile: tls.caCert,
      proxyAddress: nginx.proxyAddress,
      nginx,
      instances,
      mail,
      s3,
      redis,
      mariadb,
      adminSchemaUrl: adminSchema.href,
      async rollingRestart() {
        for (const instance of instances) {
          await nginx.setDraining(instance.upstream, true);
          const code = await instance.stop();
          if (code !== 0) throw new Error(`${instance.name} exited with ${code}:\n${instance.output()}`);
          await instance.start();
          await nginx.setDraining(instance.upstream, false);
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function makeInstance(name: string, port: number, baseEnv: Record<string, string>): ParleyInstance {
  let server: ServerProcess | undefined;
  let starts = 0;
  const env = { ...baseEnv, PORT: String(port) };
  const alive = () =>
    server !== undefined && server.child.exitCode === null && server.child.signalCode === null;
  process.once('exit', () => {
    if (alive()) server?.child.kill('SIGKILL');
  });
  return {
    name,
    port,
    upstream: `127.0.0.1:${port}`,
    get running() {
      return alive();
    },
    get starts() {
      return starts;
    },
    output: () => server?.output() ?? '',
    async start() {
      if (alive()) return;
      const next = spawnServer(env);
      server = next;
      starts += 1;
      try {
        await next.waitForOutput(/Parley is running at/, 90_000);
      } catch (error) {
        next.child.kill('SIGKILL');
        throw error;
      }
    },
    async stop() {
      const current = server;
      if (!current || !alive()) return current?.child.exitCode ?? null;
      current.child.kill('SIGTERM');
      return current.exited;
    },
    async kill() {
      const current = server;
      if (!current || !alive()) return;
      current.child.kill('SIGKILL');
      await current.exited;
    },
  };
}
