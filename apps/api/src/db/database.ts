import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, MysqlDialect, type MysqlPool, SqliteDialect } from 'kysely';
import { createPool, type PoolOptions } from 'mysql2';
import type { DatabaseConfig } from '../config.js';
import { mysqlPoolStats, type PoolStats } from './pool-stats.js';
import type { DB } from './schema.js';

export type DialectKind = DatabaseConfig['kind'];

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DialectKind;
  destroy(): Promise<void>;
  /** The connection pool's numbers for metrics; SQLite has no pool and no such function. */
  readonly poolStats?: () => PoolStats | undefined;
  /**
   * MySQL only: a second pool for the message write path alone, whose connections accept several
   * statements per round trip (`multipleStatements`), so a batch transaction is two round trips and the
   * writer's transactions never wait for a connection behind reads, nor reads behind them. Only the
   * writer's fixed statement text runs on it; values are escaped by mysql2 as on the main pool.
   */
  readonly writer?: Kysely<DB>;
}

export interface MysqlConnectOptions {
  uri: string;
  /** PEM text of the CA that signed the server certificate: TLS is then required and the server verified. */
  ssl?: { ca: string } | undefined;
  connectionLimit?: number;
  /** Several statements per query (the message writer's own pool only, see `Database.writer`). */
  multipleStatements?: boolean;
}

/** mysql2 pool options shared by the app, migrations and the bootstrap. */
export function mysqlPoolOptions(options: MysqlConnectOptions): PoolOptions {
  return {
    uri: options.uri,
    // Read DATETIME as the stored text so both dialects hand back the same strings (see db/time.ts).
    dateStrings: true,
    timezone: 'Z',
    charset: 'UTF8MB4_BIN',
    connectionLimit: options.connectionLimit ?? 10,
    ...(options.multipleStatements ? { multipleStatements: true } : {}),
    connectTimeout: 5_000,
    enableKeepAlive: true,
    ...(options.ssl ? { ssl: { ca: options.ssl.ca, rejectUnauthorized: true } } : {}),
  };
}

/** A Kysely instance over a MySQL/MariaDB pool (also used by the AWS bootstrap Lambda). */
export function createMysqlKysely<T = DB>(options: MysqlConnectOptions): Kysely<T> {
  return new Kysely<T>({ dialect: new MysqlDialect({ pool: createPool(mysqlPoolOptions(options)) }) });
}

/** Opens the embedded SQLite file with durable settings: WAL, full sync, foreign keys, busy timeout. */
export function createSqliteKysely<T = DB>(file: string): Kysely<T> {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new SqliteDatabase(file);
  // Password hashes and sessions live here: readable by this user only (WAL files inherit the mode).
  if (file !== ':memory:') chmodSync(file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<T>({ dialect: new SqliteDialect({ database: sqlite }) });
}

export function readCa(caFile: string | undefined): { ca: string } | undefined {
  return caFile ? { ca: readFileSync(caFile, 'utf8') } : undefined;
}

/** Pools a MySQL database opens: the main one and the message writer's (see `Database.writer`). */
export interface MysqlPools {
  readonly pool: MysqlPool & { stats?(): PoolStats | undefined };
  readonly writerPool: MysqlPool;
}

/**
 * The application's database, chosen by the scheme of DATABASE_URL (or credentials from a secret).
 * `writerConnections`: the MySQL writer pool's size (the message writer's transactions in flight).
 */
export function createDatabase(
  config: DatabaseConfig,
  options: { pools?: MysqlPools; writerConnections?: number } = {},
): Database {
  if (config.kind === 'sqlite') {
    const db = createSqliteKysely(config.url.slice('sqlite:'.length));
    return { db, kind: config.kind, destroy: () => db.destroy() };
  }
  const connect = { uri: config.url, ssl: readCa(config.tlsCaFile) };
  const own = options.pools
    ? undefined
    : {
        pool: createPool(mysqlPoolOptions(connect)),
        writerPool: createPool(
          mysqlPoolOptions({
            ...connect,
            connectionLimit: options.writerConnections ?? 4,
            multipleStatements: true,
          }),
        ),
      };
  // mysql2's pool is what Kysely's MysqlPool describes; its callback types are only declared differently.
  const pools = options.pools ?? (own as unknown as MysqlPools);
  const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: pools.pool }) });
  const writer = new Kysely<DB>({ dialect: new MysqlDialect({ pool: pools.writerPool }) });
  // The main pool's numbers (the writer's own pool is sized to the writer and never queues reads).
  const poolStats = () => (own ? mysqlPoolStats(own.pool) : pools.pool.stats?.());
  return {
    db,
    kind: config.kind,
    writer,
    destroy: async () => {
      await Promise.all([db.destroy(), writer.destroy()]);
    },
    poolStats,
  };
}
