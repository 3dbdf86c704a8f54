import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WS_HEARTBEAT_MS as WS_HEARTBEAT_DEFAULT_MS } from '@parley/contract';
import { z } from 'zod';
import { MAX_TOKEN_TTL_SECONDS } from './modules/auth/tokens/keyring.js';
import { type BlobStoreLocation, parseBlobStoreUrl } from './platform/blobs/blob-url.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where `vite build` writes the SPA, relative to this file in both `src/` and `dist/`. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const port = z.coerce.number().int().min(0).max(65535);

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) {
      return url.origin;
    }
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://chat.example.com` });
  return z.NEVER;
});

const databaseUrl = z.string().refine((value) => /^(sqlite:.+|mysql:\/\/.+)$/.test(value), {
  message: 'must be sqlite:<path> or mysql://user:password@host:port/database',
});

/**
 * TRUST_PROXY: "true"/"false", a hop count, or a comma-separated list of proxy addresses or CIDRs,
 * passed to Fastify's `trustProxy` so `request.ip` is the client behind the load balancer.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((value, ctx): boolean | number | string[] => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const list = value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (list.length > 0 && list.every((item) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(item))) return list;
    ctx.addIssue({
      code: 'custom',
      message: 'must be true, false, a hop count or a list of addresses/CIDRs',
    });
    return z.NEVER;
  });

const EnvSchema = z.object({
  PORT: z.preprocess(emptyToUndefined, port.default(8080)),
  HOST: z.preprocess(emptyToUndefined, z.string().min(1).default('localhost')),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default('data')),
  DATABASE_URL: z.preprocess(emptyToUndefined, databaseUrl.optional()),
  DATABASE_ADMIN_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^mysql:\/\/.+/, 'must be a mysql:// URL')
      .optional(),
  ),
  DATABASE_TLS_CA: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  CORS_ORIGINS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
  ),
  TRUST_PROXY: z.preprocess(emptyToUndefined, trustProxy),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
  HTTP_BODY_LIMIT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1024).default(1_048_576)),
  WEB_DIST_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default(DEFAULT_WEB_DIST)),
  SMTP_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'must be smtp://host:port or smtps://host:port')
      .optional(),
  ),
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().min(3).default('Parley <no-reply@localhost>')),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\/.+/, 'must be redis://host:port or rediss://host:port')
      .optional(),
  ),
  SECRETS_SOURCE: z.preprocess(emptyToUndefined, z.enum(['local', 'aws']).default('local')),
  AWS_REGION: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  SECRET_ID_ACTIVE_SESSION: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  SECRET_ID_VERIFY_EMAIL: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  SECRET_ID_PASSWORD_RESET: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  SMTP_SECRET_ID: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  DATABASE_SECRET_ID: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  DATABASE_NAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/)
      .default('parley'),
  ),
  REDIS_AUTH_SECRET_ID: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  BLOB_STORE: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  ATTACHMENT_MAX_BYTES: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number()
      .int()
      .min(1024)
      .max(5 * 1024 ** 3)
      .default(25 * 1024 * 1024),
  ),
  WS_HEARTBEAT_MS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(50).max(300_000).default(WS_HEARTBEAT_DEFAULT_MS),
  ),
  SESSION_TOKEN_TTL_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(10).max(MAX_TOKEN_TTL_SECONDS).default(MAX_TOKEN_TTL_SECONDS),
  ),
  BUS_PROBE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(300_000).default(5_000)),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DatabaseConfig {
  readonly kind: 'sqlite' | 'mysql';
  /** `sqlite:<path>` or `mysql://…` as the application connects (least-privileged user on MySQL). */
  readonly url: string;
  /** MySQL only: an administrative URL used for migrations and the app-user bootstrap. */
  readonly adminUrl: string | undefined;
  /** PEM file of the CA that signed the MySQL server certificate; when set, TLS is required and verified. */
  readonly tlsCaFile: string | undefined;
  /** Secrets Manager id of the RDS credentials (aws only): read whenever a connection is opened. */
  readonly secretId?: string | undefined;
  /** Database name when the credentials come from a secret without `dbname`. */
  readonly name?: string;
}

export interface SecretsConfig {
  /** `local`: keyrings in DATA_DIR/secrets.json (generated); `aws`: Secrets Manager. */
  readonly source: 'local' | 'aws';
  readonly file: string;
  readonly awsRegion: string | undefined;
  /** Secrets Manager ids of the three signing keyrings (aws only). */
  readonly keyringSecretIds:
    | Readonly<Record<'active_session' | 'verify_email_session' | 'password_reset_session', string>>
    | undefined;
  /** Secrets Manager id of `{ "username", "password" }` for SMTP (aws only, optional). */
  readonly smtpSecretId: string | undefined;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: URL;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  /** Origins allowed to call the API from a browser, besides PUBLIC_URL's own origin. */
  readonly corsOrigins: readonly string[];
  readonly trustProxy: boolean | number | readonly string[];
  readonly logLevel: LogLevel;
  readonly bodyLimit: number;
  readonly webDistDir: string;
  /** Unset: the dev outbox (`DATA_DIR/outbox/*.eml`, links logged). */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
  /** Unset: fan-out and rate limits stay in this process. */
  readonly redisUrl: string | undefined;
  /** Secrets Manager id of the Redis/Valkey AUTH token (aws only). */
  readonly redisAuthSecretId: string | undefined;
  readonly secrets: SecretsConfig;
  /** Where attachment bytes go: a folder, or an S3 bucket and prefix. */
  readonly blobStore: BlobStoreLocation;
  readonly attachmentMaxBytes: number;
  /** Every WebSocket is pinged this often and its session, token expiry and signing key re-checked. */
  readonly wsHeartbeatMs: number;
  /** Lifetime of an `active_session` token (the inactivity timeout); at most 24 h. */
  readonly sessionTokenTtlSeconds: number;
  /** With Redis: how often each instance proves the fan-out delivers (a probe published to itself). */
  readonly busProbeMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Makes a relative SQLite path absolute so it does not depend on the working directory later. */
function sqliteUrl(url: string): string {
  const file = url.slice('sqlite:'.length);
  return file === ':memory:' ? url : `sqlite:${path.resolve(file)}`;
}

/**
 * Parses and validates the environment once. Every bad variable is listed in the thrown ConfigError,
 * so an operator fixes them all in one go. Nothing else in the API reads `process.env`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const dataDir = path.resolve(e.DATA_DIR);
  const fromSecret = e.DATABASE_SECRET_ID !== undefined;
  // With DATABASE_SECRET_ID the credentials and host come from the secret; the URL only names the kind.
  const databaseUrl =
    e.DATABASE_URL ??
    (fromSecret ? `mysql://secret/${e.DATABASE_NAME}` : `sqlite:${path.join(dataDir, 'parley.db')}`);
  const kind = databaseUrl.startsWith('mysql://') ? 'mysql' : 'sqlite';
  if (fromSecret && e.SECRETS_SOURCE !== 'aws') problems.push('DATABASE_SECRET_ID: needs SECRETS_SOURCE=aws');
  if (fromSecret && kind !== 'mysql') problems.push('DATABASE_SECRET_ID: only used with MySQL');
  if (e.REDIS_AUTH_SECRET_ID && e.SECRETS_SOURCE !== 'aws')
    problems.push('REDIS_AUTH_SECRET_ID: needs SECRETS_SOURCE=aws');
  if (kind === 'sqlite' && e.DATABASE_ADMIN_URL) {
    problems.push('DATABASE_ADMIN_URL: only used with a mysql:// DATABASE_URL');
  }
  if (kind === 'sqlite' && e.DATABASE_TLS_CA) {
    problems.push('DATABASE_TLS_CA: only used with a mysql:// DATABASE_URL');
  }
  if (kind === 'mysql' && !new URL(databaseUrl).pathname.slice(1)) {
    problems.push('DATABASE_URL: must name the database, e.g. mysql://app:secret@db:3306/parley');
  }
  const keyringIds = {
    active_session: e.SECRET_ID_ACTIVE_SESSION,
    verify_email_session: e.SECRET_ID_VERIFY_EMAIL,
    password_reset_session: e.SECRET_ID_PASSWORD_RESET,
  };
  if (e.SECRETS_SOURCE === 'aws') {
    for (const [name, value] of [
      ['SECRET_ID_ACTIVE_SESSION', keyringIds.active_session],
      ['SECRET_ID_VERIFY_EMAIL', keyringIds.verify_email_session],
      ['SECRET_ID_PASSWORD_RESET', keyringIds.password_reset_session],
    ] as const) {
      if (!value) problems.push(`${name}: required when SECRETS_SOURCE=aws`);
    }
  }
  let blobStore: BlobStoreLocation = { kind: 'local', dir: path.join(dataDir, 'blobs') };
  if (e.BLOB_STORE) {
    try {
      const parsed = parseBlobStoreUrl(e.BLOB_STORE);
      blobStore = parsed.kind === 'local' ? { kind: 'local', dir: path.resolve(parsed.dir) } : parsed;
    } catch (error) {
      problems.push(`BLOB_STORE: ${error instanceof Error ? error.message : 'invalid'}`);
    }
  }
  if (e.SECRETS_SOURCE === 'aws' && !e.SMTP_URL) {
    problems.push('SMTP_URL: required when SECRETS_SOURCE=aws (the dev outbox would log every email link)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  return deepFreeze<Config>({
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir,
    database: {
      kind,
      url: kind === 'sqlite' ? sqliteUrl(databaseUrl) : databaseUrl,
      adminUrl: e.DATABASE_ADMIN_URL,
      tlsCaFile: e.DATABASE_TLS_CA ? path.resolve(e.DATABASE_TLS_CA) : undefined,
      secretId: e.DATABASE_SECRET_ID,
      name: e.DATABASE_NAME,
    },
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.HTTP_BODY_LIMIT,
    webDistDir: path.resolve(e.WEB_DIST_DIR),
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    redisUrl: e.REDIS_URL,
    redisAuthSecretId: e.REDIS_AUTH_SECRET_ID,
    secrets: {
      source: e.SECRETS_SOURCE,
      file: path.join(dataDir, 'secrets.json'),
      awsRegion: e.AWS_REGION,
      keyringSecretIds:
        e.SECRETS_SOURCE === 'aws'
          ? {
              active_session: keyringIds.active_session ?? '',
              verify_email_session: keyringIds.verify_email_session ?? '',
              password_reset_session: keyringIds.password_reset_session ?? '',
            }
          : undefined,
      smtpSecretId: e.SMTP_SECRET_ID,
    },
    blobStore,
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    wsHeartbeatMs: e.WS_HEARTBEAT_MS,
    sessionTokenTtlSeconds: e.SESSION_TOKEN_TTL_SECONDS,
    busProbeMs: e.BUS_PROBE_MS,
  });
}
