import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WS_HEARTBEAT_MS as WS_HEARTBEAT_DEFAULT_MS } from '@parley/contract';
import { z } from 'zod';
import {
  blobStore,
  byteCount,
  cap,
  databaseUrl,
  duration,
  origin,
  port,
  rate,
  trustProxy,
  withoutEmptyValues,
} from './config.parsers.js';
import { databaseKind, RULES } from './config.rules.js';
import { type Config, LOG_FORMATS, LOG_LEVELS } from './config.types.js';
import type { BlobStoreLocation } from './platform/blobs/blob-url.js';
import { MAX_TOKEN_TTL_SECONDS } from './platform/tokens/keyring.js';

/** Have I Been Pwned's Pwned Passwords range API. */
const DEFAULT_PWNED_PASSWORDS_URL = 'https://api.pwnedpasswords.com';

/** Where `vite build` writes the SPA, relative to this file in both `src/` and `dist/`. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Every variable on its own: its syntax, bounds and default. Unset and empty are the same (`parse`). */
const Variables = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('localhost'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: databaseUrl.optional(),
  DATABASE_ADMIN_URL: z
    .string()
    .regex(/^mysql:\/\/.+/, 'must be a mysql:// URL')
    .optional(),
  DATABASE_TLS_CA: z.string().min(1).optional(),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin)),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  HTTP_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  WEB_DIST_DIR: z.string().min(1).default(DEFAULT_WEB_DIST),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/]+/, 'must be smtp://host:port or smtps://host:port')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Parley <no-reply@localhost>'),
  MAIL_NOTICE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(3600),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be redis://host:port or rediss://host:port')
    .optional(),
  SECRETS_SOURCE: z.enum(['local', 'aws']).default('local'),
  AWS_REGION: z.string().min(1).optional(),
  SECRET_ID_ACTIVE_SESSION: z.string().min(1).optional(),
  SECRET_ID_VERIFY_EMAIL: z.string().min(1).optional(),
  SECRET_ID_PASSWORD_RESET: z.string().min(1).optional(),
  SECRET_ID_MFA_ENCRYPTION: z.string().min(1).optional(),
  SMTP_SECRET_ID: z.string().min(1).optional(),
  DATABASE_SECRET_ID: z.string().min(1).optional(),
  DATABASE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .default('parley'),
  REDIS_AUTH_SECRET_ID: z.string().min(1).optional(),
  BLOB_STORE: blobStore.optional(),
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(5 * 1024 ** 3)
    .default(25 * 1024 * 1024),
  MAX_CONVERSATIONS_PER_USER: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  MAX_GROUP_MEMBERS: z.coerce.number().int().min(2).max(100_000).default(1_000),
  // Message search on MySQL: what one request may read (docs/architecture.md, Search).
  SEARCH_SCAN_ROWS: z.coerce.number().int().min(1).max(10_000_000).default(4_000),
  SEARCH_INDEX_DOCUMENTS: z.coerce.number().int().min(0).max(100_000_000).default(1_500),
  // Rate limits (docs/security.md §2.7 lists what each guards and how it is keyed).
  LIMIT_MESSAGES: rate('60/10s'),
  LIMIT_MESSAGE_EDITS: rate('30/60s'),
  LIMIT_READ_MARKERS: rate('60/10s'),
  LIMIT_REACTIONS: rate('60/60s'),
  LIMIT_TYPING: rate('20/10s'),
  LIMIT_LOOKUPS: rate('60/60s'),
  LIMIT_SEARCHES: rate('60/60s'),
  LIMIT_CONVERSATIONS_CREATED: rate('30/3600s'),
  LIMIT_MEMBERS_ADDED: rate('100/3600s'),
  LIMIT_MEMBERS_REMOVED: rate('100/3600s'),
  LIMIT_CONVERSATION_CHANGES: rate('200/3600s'),
  LIMIT_WS_CONNECTS: rate('30/60s'),
  LIMIT_WS_FRAMES: rate('30/1s'),
  LIMIT_WS_SOCKETS_PER_USER: cap(20),
  LIMIT_WS_SOCKETS_PER_IP: cap(200),
  LIMIT_LOGIN_ACCOUNT_IP: rate('10/900s'),
  LIMIT_LOGIN_IP: rate('100/900s'),
  LIMIT_REGISTER_IP: rate('10/3600s'),
  LIMIT_EMAIL_ADDRESS: rate('5/3600s'),
  LIMIT_EMAIL_IP: rate('20/3600s'),
  LIMIT_TOKEN_IP: rate('20/3600s'),
  LIMIT_PASSWORD_CHECKS: rate('10/900s'),
  LIMIT_MFA_ACCOUNT: rate('10/900s'),
  MFA_CHALLENGE_TTL: duration('5m', 10_000),
  MFA_CHALLENGE_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  REAUTH_MAX_AGE: duration('5m', 1000),
  PASSKEY_CHALLENGE_TTL: duration('5m', 10_000),
  MAX_PASSKEYS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(20),
  REQUIRE_MFA: z.enum(['true', 'false']).default('false'),
  LIMIT_PROFILE_CHANGES: rate('30/3600s'),
  LIMIT_UPLOADS: rate('60/3600s'),
  LIMIT_UPLOAD_BYTES: rate(`${500 * 1024 * 1024}/3600s`),
  UPLOAD_QUOTA_BYTES: byteCount(2 * 1024 ** 3),
  UPLOAD_ORPHAN_TTL: duration('24h', 60_000),
  UPLOAD_SWEEP_INTERVAL: duration('10m', 100),
  NOTIFY_EMAIL_DELAY_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(600),
  NOTIFY_EMAIL_REPEAT_AFTER: duration('1h', 60_000),
  NOTIFY_EMAIL_INTERVAL: duration('30s', 100),
  NOTIFY_EMAIL_MAX_AGE: duration('24h', 60_000),
  NOTIFY_UNSUBSCRIBE_LINK_TTL: duration('90d', 3_600_000),
  UPLOAD_IDLE_TIMEOUT: duration('30s', 100),
  UPLOAD_MIN_BYTES_PER_SECOND: byteCount(1024),
  HTTP_CONNECTION_TIMEOUT: duration('120s', 100),
  HTTP_REQUEST_TIMEOUT: duration('300s', 100),
  HTTP_KEEP_ALIVE_TIMEOUT: duration('72s', 100),
  HTTP_MAX_REQUESTS_PER_SOCKET: z.coerce.number().int().min(0).default(0),
  WS_HEARTBEAT_MS: z.coerce.number().int().min(50).max(300_000).default(WS_HEARTBEAT_DEFAULT_MS),
  SESSION_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(MAX_TOKEN_TTL_SECONDS)
    .default(MAX_TOKEN_TTL_SECONDS),
  SESSION_TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  MESSAGE_WRITE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  BUS_PROBE_MS: z.coerce.number().int().min(50).max(300_000).default(5_000),
  PRESENCE_GRACE_SECONDS: z.coerce.number().min(0).max(3_600).default(15),
  // Observability (docs/operations.md "Metrics, traces and logs").
  METRICS_PORT: port.min(1).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like http://localhost:4318' })
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('parley'),
  // Breached-password check (docs/security.md §2.1): empty turns it off; unset is the real service.
  PWNED_PASSWORDS_URL: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .default(DEFAULT_PWNED_PASSWORDS_URL),
  PWNED_PASSWORDS_TIMEOUT: duration('1500ms', 50),
  // A sign-in from a browser and network not seen on the account for this long gets a notice email.
  NEW_DEVICE_WINDOW: duration('90d', 60_000),
});

/** The name of every variable the API reads (the README's configuration table lists each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(Variables.shape);

/** The variables as parsed one by one (before the rules across them). */
export type Env = z.output<typeof Variables>;
export type Variable = keyof Env & string;
/**
 * The environment in one pass: each variable on its own, then every rule whose variables are valid, so an
 * operator sees every problem at once (a rule never reports a consequence of another problem).
 */
const EnvSchema = z.preprocess(
  withoutEmptyValues,
  RULES.reduce(
    (schema, { reads, check }) =>
      schema.superRefine(
        (e, ctx) =>
          check(e, (variable, message) => ctx.addIssue({ code: 'custom', path: [variable], message })),
        { when: ({ issues }) => !issues.some((issue) => reads.includes(issue.path?.[0] as Variable)) },
      ),
    Variables,
  ),
);

export type * from './config.types.js';

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
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  /** Whether stdout is a terminal: picks the log format when LOG_FORMAT is unset. */
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const kind = databaseKind(e);
  const databaseUrl =
    e.DATABASE_URL ??
    (kind === 'mysql' ? `mysql://secret/${e.DATABASE_NAME}` : `sqlite:${path.join(dataDir, 'parley.db')}`);
  const blobStore: BlobStoreLocation = e.BLOB_STORE ?? { kind: 'local', dir: path.join(dataDir, 'blobs') };

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
    // A person at a terminal reads lines; anything else (a file, journald, CloudWatch) parses JSON.
    logFormat: e.LOG_FORMAT ?? (stdoutIsTty && e.SECRETS_SOURCE === 'local' ? 'pretty' : 'json'),
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    tracing: {
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ? new URL(e.OTEL_EXPORTER_OTLP_ENDPOINT) : undefined,
      serviceName: e.OTEL_SERVICE_NAME,
    },
    bodyLimit: e.HTTP_BODY_LIMIT,
    webDistDir: path.resolve(e.WEB_DIST_DIR),
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    mailNoticeIntervalMs: e.MAIL_NOTICE_INTERVAL_SECONDS * 1000,
    redisUrl: e.REDIS_URL,
    redisAuthSecretId: e.REDIS_AUTH_SECRET_ID,
    secrets: {
      source: e.SECRETS_SOURCE,
      file: path.join(dataDir, 'secrets.json'),
      awsRegion: e.AWS_REGION,
      keyringSecretIds:
        e.SECRETS_SOURCE === 'aws'
          ? {
              active_session: e.SECRET_ID_ACTIVE_SESSION ?? '',
              verify_email_session: e.SECRET_ID_VERIFY_EMAIL ?? '',
              password_reset_session: e.SECRET_ID_PASSWORD_RESET ?? '',
            }
          : undefined,
      smtpSecretId: e.SMTP_SECRET_ID,
      mfaEncryptionSecretId: e.SECRET_ID_MFA_ENCRYPTION,
    },
    blobStore,
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    maxConversationsPerUser: e.MAX_CONVERSATIONS_PER_USER,
    maxGroupMembers: e.MAX_GROUP_MEMBERS,
    search: { scanRows: e.SEARCH_SCAN_ROWS, indexDocuments: e.SEARCH_INDEX_DOCUMENTS },
    limits: {
      rates: {
        messages: e.LIMIT_MESSAGES,
        messageEdits: e.LIMIT_MESSAGE_EDITS,
        readMarkers: e.LIMIT_READ_MARKERS,
        reactions: e.LIMIT_REACTIONS,
        typing: e.LIMIT_TYPING,
        lookups: e.LIMIT_LOOKUPS,
        searches: e.LIMIT_SEARCHES,
        conversationsCreated: e.LIMIT_CONVERSATIONS_CREATED,
        membersAdded: e.LIMIT_MEMBERS_ADDED,
        membersRemoved: e.LIMIT_MEMBERS_REMOVED,
        conversationChanges: e.LIMIT_CONVERSATION_CHANGES,
        wsConnects: e.LIMIT_WS_CONNECTS,
        wsFrames: e.LIMIT_WS_FRAMES,
        loginAccountIp: e.LIMIT_LOGIN_ACCOUNT_IP,
        loginIp: e.LIMIT_LOGIN_IP,
        registerIp: e.LIMIT_REGISTER_IP,
        emailAddress: e.LIMIT_EMAIL_ADDRESS,
        emailIp: e.LIMIT_EMAIL_IP,
        tokenIp: e.LIMIT_TOKEN_IP,
        passwordChecks: e.LIMIT_PASSWORD_CHECKS,
        mfaAccount: e.LIMIT_MFA_ACCOUNT,
        profileChanges: e.LIMIT_PROFILE_CHANGES,
        uploads: e.LIMIT_UPLOADS,
      },
      wsSocketsPerUser: e.LIMIT_WS_SOCKETS_PER_USER,
      wsSocketsPerIp: e.LIMIT_WS_SOCKETS_PER_IP,
    },
    uploads: {
      bytes: e.LIMIT_UPLOAD_BYTES,
      quotaBytes: e.UPLOAD_QUOTA_BYTES,
      orphanTtlMs: e.UPLOAD_ORPHAN_TTL,
      sweepIntervalMs: e.UPLOAD_SWEEP_INTERVAL,
      idleTimeoutMs: e.UPLOAD_IDLE_TIMEOUT,
      minBytesPerSecond: e.UPLOAD_MIN_BYTES_PER_SECOND,
    },
    notifyEmail: {
      delayMs: e.NOTIFY_EMAIL_DELAY_SECONDS * 1000,
      repeatAfterMs: e.NOTIFY_EMAIL_REPEAT_AFTER,
      intervalMs: e.NOTIFY_EMAIL_INTERVAL,
      maxAgeMs: e.NOTIFY_EMAIL_MAX_AGE,
      unsubscribeLinkTtlMs: e.NOTIFY_UNSUBSCRIBE_LINK_TTL,
    },
    http: {
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT,
      maxRequestsPerSocket: e.HTTP_MAX_REQUESTS_PER_SOCKET,
    },
    wsHeartbeatMs: e.WS_HEARTBEAT_MS,
    sessionTokenTtlSeconds: e.SESSION_TOKEN_TTL_SECONDS,
    sessionTokenCacheSize: e.SESSION_TOKEN_CACHE_SIZE,
    messageWriteConcurrency: e.MESSAGE_WRITE_CONCURRENCY,
    busProbeMs: e.BUS_PROBE_MS,
    presenceGraceMs: Math.round(e.PRESENCE_GRACE_SECONDS * 1000),
    mfa: {
      challengeTtlMs: e.MFA_CHALLENGE_TTL,
      challengeAttempts: e.MFA_CHALLENGE_ATTEMPTS,
      reauthMaxAgeMs: e.REAUTH_MAX_AGE,
      passkeyChallengeTtlMs: e.PASSKEY_CHALLENGE_TTL,
      maxPasskeys: e.MAX_PASSKEYS_PER_USER,
      required: e.REQUIRE_MFA === 'true',
    },
    passwords: {
      pwnedPasswordsUrl: e.PWNED_PASSWORDS_URL === '' ? undefined : e.PWNED_PASSWORDS_URL,
      pwnedPasswordsTimeoutMs: e.PWNED_PASSWORDS_TIMEOUT,
    },
    newDeviceWindowMs: e.NEW_DEVICE_WINDOW,
  });
}
