import type { MysqlPool, MysqlPoolConnection } from 'kysely';
import { createPool, type Pool } from 'mysql2';
import { z } from 'zod';
import { mysqlPoolOptions } from './database.js';
import { mysqlPoolStats, type PoolStats, sumPoolStats } from './pool-stats.js';

/** The JSON RDS keeps in a database secret (the fields Parley uses). */
export const DatabaseSecret = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().positive().default(3306),
  dbname: z.string().min(1).optional(),
});
export type DatabaseSecret = z.infer<typeof DatabaseSecret>;

export interface SecretPoolOptions {
  /** Reads the secret (AWSCURRENT); called when the cached copy is stale or the server refused it. */
  readSecret: () => Promise<DatabaseSecret>;
  database: string;
  ssl: { ca: string } | undefined;
  /** How long a read secret is trusted before the next connection re-reads it. @default 5 min */
  maxAgeMs?: number;
  connectionLimit?: number;
  /** Several statements per query (the message writer's pool, see `Database.writer`). */
  multipleStatements?: boolean;
}

const ACCESS_DENIED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

/**
 * A Kysely MySQL pool whose credentials come from Secrets Manager: connections are opened with the
 * username and password of the current secret, re-read every few minutes and at once when the server
 * refuses them. Multi-user rotation keeps the previous credentials valid for a rotation period, so
 * connections opened just before a rotation keep working while new ones use the new user.
 */
export class SecretMysqlPool implements MysqlPool {
  #pool: { key: string; pool: Pool } | undefined;
  #readAt = 0;
  #reading: Promise<Pool> | undefined;
  readonly #retired: Pool[] = [];

  constructor(private readonly options: SecretPoolOptions) {}

  getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void): void {
    const attempt = (retried: boolean) => {
      this.#currentPool(retried).then(
        (pool) =>
          pool.getConnection((error, connection) => {
            if (error && !retried && ACCESS_DENIED.has((error as { code?: string }).code ?? '')) {
              attempt(true);
              return;
            }
            callback(error, connection as unknown as MysqlPoolConnection);
          }),
        (error: unknown) => callback(error, undefined as unknown as MysqlPoolConnection),
      );
    };
    attempt(false);
  }

  /** The current pool's numbers, with those of pools of earlier credentials still finishing their work. */
  stats(): PoolStats | undefined {
    return sumPoolStats([...this.#retired, ...(this.#pool ? [this.#pool.pool] : [])].map(mysqlPoolStats));
  }

  end(callback: (error: unknown) => void): void {
    const pools = [...this.#retired, ...(this.#pool ? [this.#pool.pool] : [])];
    Promise.all(pools.map((pool) => new Promise<void>((resolve) => pool.end(() => resolve())))).then(
      () => callback(null),
      callback,
    );
  }

  #currentPool(forceRead: boolean): Promise<Pool> {
    const fresh = Date.now() - this.#readAt < (this.options.maxAgeMs ?? 300_000);
    if (this.#pool && fresh && !forceRead) return Promise.resolve(this.#pool.pool);
    this.#reading ??= this.options
      .readSecret()
      .then((secret) => {
        this.#readAt = Date.now();
        const key = `${secret.username}\u0000${secret.password}\u0000${secret.host}:${secret.port}`;
        if (this.#pool?.key === key) return this.#pool.pool;
        // Connections already lent out finish on the old pool; it is closed with this one.
        if (this.#pool) this.#retired.push(this.#pool.pool);
        const url = new URL('mysql://placeholder');
        url.hostname = secret.host;
        url.port = String(secret.port);
        url.username = encodeURIComponent(secret.username);
        url.password = encodeURIComponent(secret.password);
        url.pathname = `/${encodeURIComponent(secret.dbname ?? this.options.database)}`;
        const pool = createPool(
          mysqlPoolOptions({
            uri: url.href,
            ssl: this.options.ssl,
            connectionLimit: this.options.connectionLimit,
            multipleStatements: this.options.multipleStatements,
          }),
        );
        this.#pool = { key, pool };
        return pool;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }
}
