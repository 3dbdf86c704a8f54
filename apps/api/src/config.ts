import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WS_HEARTBEAT_MS as WS_HEARTBEAT_DEFAULT_MS } from '@parley/contract';
import { z } from 'zod';
import { type BlobStoreLocation, parseBlobStoreUrl } from './platform/blobs/blob-url.js';
import { parseRate, type Rate } from './platform/limits/rate.js';
import { MAX_TOKEN_TTL_SECONDS } from './platform/tokens/keyring.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

/** Have I Been Pwned's Pwned Passwords range API. */
const DEFAULT_PWNED_PASSWORDS_URL = 'https://api.pwnedpasswords.com';

/** Where `vite build` writes the SPA, relative to this file in both `src/` and `dist/`. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const port = z.coerce.number().int().min(0).max(65535);

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

const databaseUrl = z.string().superRefine((value, ctx) => {
  if (!/^(sqlite:.+|mysql:\/\/.+)$/.test(value) || (value.startsWith('mysql:') && !URL.canParse(value))) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be sqlite:<path> or mysql://user:password@host:port/database',
    });
  } else if (value.startsWith('mysql:') && !new URL(value).pathname.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must name the database, e.g. mysql://app:secret@db:3306/parley',
    });
  }
});

/** BLOB_STORE: a folder (made absolute) or `s3://bucket/prefix/`. */
const blobStore = z.string().transform((value, ctx): BlobStoreLocation => {
  try {
    const parsed = parseBlobStoreUrl(value);
    return parsed.kind === 'local' ? { kind: 'local', dir: path.resolve(parsed.dir) } : parsed;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
    return z.NEVER;
  }
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

/** A `LIMIT_*` rate variable: `<count>/<seconds>s`, with the given default. */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): Rate => {
      try {
        return parseRate(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
        return z.NEVER;
      }
    });

/** A concurrency cap (open sockets): a plain count, since it has no window. */
const cap = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration: `<n>ms`, `<n>s`, `<n>m`, `<n>h`, `<n>d`, or a bare number of seconds; in milliseconds, at least `minMs`. */
const duration = (fallback: string, minMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(value.trim());
      const ms = match
        ? Number(match[1]) * DURATION_UNITS[(match[2] ?? 's') as keyof typeof DURATION_UNITS]
        : NaN;
      if (Number.isSafeInteger(ms) && ms >= minMs) return ms;
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration like 30s, 10m, 24h or 500ms (at least ${minMs} ms)`,
      });
      return z.NEVER;
    });

const byteCount = (fallback: number) =>
  z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(fallback);

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
  // Rate limits (docs/security.md §2.7 lists what each guards and how it is keyed).
  LIMIT_MESSAGES: rate('60/10s'),
  LIMIT_MESSAGE_EDITS: rate('30/60s'),
  LIMIT_READ_MARKERS: rate('60/10s'),
  LIMIT_REACTIONS: rate('60/60s'),
  LIMIT_TYPING: rate('20/10s'),
  LIMIT_LOOKUPS: rate('60/60s'),
  LIMIT_CONVERSATIONS_CREATED: rate('30/3600s'),
  LIMIT_MEMBERS_ADDED: rate('100/3600s'),
  LIMIT_MEMBERS_REMOVED: rate('100/3600s'),
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
  LIMIT_PROFILE_CHANGES: rate('30/3600s'),
  LIMIT_UPLOADS: rate('60/3600s'),
  LIMIT_UPLOAD_BYTES: rate(`${500 * 1024 * 1024}/3600s`),
  UPLOAD_QUOTA_BYTES: byteCount(2 * 1024 ** 3),
  UPLOAD_ORPHAN_TTL: duration('24h', 60_000),
  UPLOAD_SWEEP_INTERVAL: duration('10m', 100),
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
  BUS_PROBE_MS: z.coerce.number().int().min(50).max(300_000).default(5_000),
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

type Env = z.output<typeof Variables>;
type Variable = keyof Env & string;
type Problem = (variable: Variable, message: string) => void;

/** A check across variables. It reads only `reads`, and runs when each of them parsed on its own. */
interface Rule {
  readonly reads: readonly Variable[];
  check(e: Env, problem: Problem): void;
}
const rule = <K extends Variable>(
  reads: readonly K[],
  check: (e: Pick<Env, K>, problem: Problem) => void,
): Rule => ({
  reads,
  check,
});

/** Which database DATABASE_URL names; with DATABASE_SECRET_ID and no URL, MySQL (the URL only names the kind). */
function databaseKind(e: Pick<Env, 'DATABASE_URL' | 'DATABASE_SECRET_ID'>): 'sqlite' | 'mysql' {
  if (e.DATABASE_URL !== undefined) return e.DATABASE_URL.startsWith('mysql://') ? 'mysql' : 'sqlite';
  return e.DATABASE_SECRET_ID === undefined ? 'sqlite' : 'mysql';
}

const KEYRING_SECRET_IDS = [
  'SECRET_ID_ACTIVE_SESSION',
  'SECRET_ID_VERIFY_EMAIL',
  'SECRET_ID_PASSWORD_RESET',
  'SECRET_ID_MFA_ENCRYPTION',
] as const;

const RULES: readonly Rule[] = [
  rule(['DATABASE_SECRET_ID', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.DATABASE_SECRET_ID !== undefined && e.SECRETS_SOURCE !== 'aws')
      problem('DATABASE_SECRET_ID', 'needs SECRETS_SOURCE=aws');
  }),
  rule(['DATABASE_SECRET_ID', 'DATABASE_URL'], (e, problem) => {
    if (e.DATABASE_SECRET_ID !== undefined && databaseKind(e) !== 'mysql')
      problem('DATABASE_SECRET_ID', 'only used with MySQL');
  }),
  rule(['REDIS_AUTH_SECRET_ID', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.REDIS_AUTH_SECRET_ID && e.SECRETS_SOURCE !== 'aws')
      problem('REDIS_AUTH_SECRET_ID', 'needs SECRETS_SOURCE=aws');
  }),
  rule(['DATABASE_URL', 'DATABASE_SECRET_ID', 'DATABASE_ADMIN_URL', 'DATABASE_TLS_CA'], (e, problem) => {
    if (databaseKind(e) !== 'sqlite') return;
    if (e.DATABASE_ADMIN_URL) problem('DATABASE_ADMIN_URL', 'only used with a mysql:// DATABASE_URL');
    if (e.DATABASE_TLS_CA) problem('DATABASE_TLS_CA', 'only used with a mysql:// DATABASE_URL');
  }),
  rule(['SECRETS_SOURCE', ...KEYRING_SECRET_IDS], (e, problem) => {
    if (e.SECRETS_SOURCE !== 'aws') return;
    for (const name of KEYRING_SECRET_IDS) if (!e[name]) problem(name, 'required when SECRETS_SOURCE=aws');
  }),
  // Without SMTP the dev outbox logs every link; a public (https or AWS) deployment must never do that.
  rule(['SMTP_URL', 'SECRETS_SOURCE', 'PUBLIC_URL'], (e, problem) => {
    const https = e.PUBLIC_URL !== undefined && new URL(e.PUBLIC_URL).protocol === 'https:';
    if (e.SMTP_URL || (e.SECRETS_SOURCE !== 'aws' && !https)) return;
    const when = e.SECRETS_SOURCE === 'aws' ? 'SECRETS_SOURCE=aws' : 'PUBLIC_URL is https';
    problem('SMTP_URL', `required when ${when} (the dev outbox would log every email link)`);
  }),
  rule(['METRICS_PORT', 'PORT'], (e, problem) => {
    if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT)
      problem('METRICS_PORT', 'must differ from PORT (metrics are never served on the public port)');
  }),
  rule(['LOG_FORMAT', 'SECRETS_SOURCE'], (e, problem) => {
    if (e.LOG_FORMAT === 'pretty' && e.SECRETS_SOURCE === 'aws')
      problem('LOG_FORMAT', 'production (SECRETS_SOURCE=aws) logs JSON lines for CloudWatch');
  }),
];

/** Variables for which empty is a value of its own ("off"), not the same as unset. */
const EMPTY_IS_A_VALUE: ReadonlySet<string> = new Set(['PWNED_PASSWORDS_URL']);

/**
 * `PORT=` (as .env files and orchestrators write an unset value) means unset, for every variable but
 * those in EMPTY_IS_A_VALUE.
 */
const withoutEmptyValues = (env: unknown) =>
  env && typeof env === 'object'
    ? Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' || EMPTY_IS_A_VALUE.has(k)))
    : env;

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

export type LogLevel = (typeof LOG_LEVELS)[number];
/** `json`: one JSON object per line (production, CloudWatch); `pretty`: one human line per request. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The Prometheus listener (METRICS_PORT/METRICS_HOST): a separate server, never the public port. */
export interface MetricsConfig {
  /** Undefined: no metrics listener (the numbers are still counted, cheaply, for nobody). */
  readonly port: number | undefined;
  readonly host: string;
}

/** OpenTelemetry tracing: on only when an OTLP endpoint is configured. */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` (OTLP/HTTP protobuf). */
  readonly otlpEndpoint: URL | undefined;
  /** OTEL_SERVICE_NAME: `service.name` of every span. */
  readonly serviceName: string;
}

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
  /** Secrets Manager id of the key material that seals TOTP secrets and keys recovery-code hashes (aws only). */
  readonly mfaEncryptionSecretId: string | undefined;
}

/** Second factors and re-authentication (docs/security.md §2.17). */
export interface MfaConfig {
  /** MFA_CHALLENGE_TTL: how long the challenge of a password step stays usable. */
  readonly challengeTtlMs: number;
  /** MFA_CHALLENGE_ATTEMPTS: wrong codes a challenge survives; then the password is needed again. */
  readonly challengeAttempts: number;
  /** REAUTH_MAX_AGE: how long a sign-in or re-authentication counts as recent for sensitive actions. */
  readonly reauthMaxAgeMs: number;
}

/** Every rate limit, by the name rules refer to (`LimitRule.rate`); one `LIMIT_*` variable each. */
export interface RateLimits {
  /** Messages sent, HTTP and WebSocket together, per user. */
  readonly messages: Rate;
  /** Message edits and deletes per user. */
  readonly messageEdits: Rate;
  readonly readMarkers: Rate;
  /** Reactions added and removed per user. */
  readonly reactions: Rate;
  /** Typing frames per user (after the per-conversation 1.5 s throttle). */
  readonly typing: Rate;
  /** `GET /api/users/lookup` per user. */
  readonly lookups: Rate;
  /** `POST /api/conversations` per user (opening an existing direct conversation counts too). */
  readonly conversationsCreated: Rate;
  readonly membersAdded: Rate;
  /** Removals and leaving, per user. */
  readonly membersRemoved: Rate;
  /** WebSocket connections authenticated per user. */
  readonly wsConnects: Rate;
  /** Frames per WebSocket, whatever they are. */
  readonly wsFrames: Rate;
  readonly loginAccountIp: Rate;
  readonly loginIp: Rate;
  readonly registerIp: Rate;
  readonly emailAddress: Rate;
  readonly emailIp: Rate;
  readonly tokenIp: Rate;
  readonly passwordChecks: Rate;
  /** Second-factor codes tried per account: sign-in second step, re-authentication, TOTP confirmation. */
  readonly mfaAccount: Rate;
  /** `PATCH /api/me` per user: each change is announced to everyone sharing a conversation with them. */
  readonly profileChanges: Rate;
  /** Upload requests per user (`LIMIT_UPLOADS`); the bytes are limited by `uploads.bytes`. */
  readonly uploads: Rate;
}
export type RateName = keyof RateLimits;

export interface LimitsConfig {
  readonly rates: RateLimits;
  /** Open WebSockets at once per user, and per client address (IPv6: per /64). */
  readonly wsSocketsPerUser: number;
  readonly wsSocketsPerIp: number;
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
  readonly logFormat: LogFormat;
  readonly metrics: MetricsConfig;
  readonly tracing: TracingConfig;
  readonly bodyLimit: number;
  readonly webDistDir: string;
  /** Unset: the dev outbox (`DATA_DIR/outbox/*.eml`, links logged). */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
  /** Least time between two informational emails of one kind ("someone tried to sign up") to one address. */
  readonly mailNoticeIntervalMs: number;
  /** Unset: fan-out and rate limits stay in this process. */
  readonly redisUrl: string | undefined;
  /** Secrets Manager id of the Redis/Valkey AUTH token (aws only). */
  readonly redisAuthSecretId: string | undefined;
  readonly secrets: SecretsConfig;
  /** Where attachment bytes go: a folder, or an S3 bucket and prefix. */
  readonly blobStore: BlobStoreLocation;
  readonly attachmentMaxBytes: number;
  /** Live conversations one user can be an active member of (creating or adding beyond: 409 limit_reached). */
  readonly maxConversationsPerUser: number;
  /** Active members one group can have, owner included. */
  readonly maxGroupMembers: number;
  readonly limits: LimitsConfig;
  readonly uploads: UploadConfig;
  readonly http: HttpConfig;
  /** Every WebSocket is pinged this often and its session, token expiry and signing key re-checked. */
  readonly wsHeartbeatMs: number;
  /** Lifetime of an `active_session` token (the inactivity timeout); at most 24 h. */
  readonly sessionTokenTtlSeconds: number;
  /** Session tokens whose verified signature is remembered until they expire (0: verify every request). */
  readonly sessionTokenCacheSize: number;
  /** With Redis: how often each instance proves the fan-out delivers (a probe published to itself). */
  readonly busProbeMs: number;
  readonly mfa: MfaConfig;
  readonly passwords: PasswordCheckConfig;
  /** A sign-in from a device (browser family + /24 or /64) unseen on the account for this long is "new". */
  readonly newDeviceWindowMs: number;
}

/** The breached-password check of new passwords. */
export interface PasswordCheckConfig {
  /** Base URL of a Pwned Passwords range API; undefined: off (the local list and strength rules only). */
  readonly pwnedPasswordsUrl: string | undefined;
  /** Past this the check counts as unavailable and the password is judged by the local rules alone. */
  readonly pwnedPasswordsTimeoutMs: number;
}

/** What one user may upload (attachments), and how long an unsent upload is kept. */
export interface UploadConfig {
  /** LIMIT_UPLOAD_BYTES: bytes per user per window, summed from the attachments stored in the window. */
  readonly bytes: Rate;
  /** UPLOAD_QUOTA_BYTES: total size of a user's live (not deleted) attachments. */
  readonly quotaBytes: number;
  /** UPLOAD_ORPHAN_TTL: an upload no message uses is deleted after this long. */
  readonly orphanTtlMs: number;
  /** UPLOAD_SWEEP_INTERVAL: how often each instance looks for such uploads. */
  readonly sweepIntervalMs: number;
  /** UPLOAD_IDLE_TIMEOUT: the window over which an upload must make progress… */
  readonly idleTimeoutMs: number;
  /** UPLOAD_MIN_BYTES_PER_SECOND: …of at least this many bytes per second on average (at least 1 byte). */
  readonly minBytesPerSecond: number;
}

/** Node HTTP server limits against slow and idle clients (Fastify's options of the same names). */
export interface HttpConfig {
  /** Socket inactivity (no byte either way) before it is destroyed. */
  readonly connectionTimeoutMs: number;
  /** Time to receive a whole request, body included; headers get min(60 s, this). */
  readonly requestTimeoutMs: number;
  /** Idle time a kept-alive connection waits for its next request. */
  readonly keepAliveTimeoutMs: number;
  /** Requests served on one connection before it is closed; 0 means no limit. */
  readonly maxRequestsPerSocket: number;
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
    limits: {
      rates: {
        messages: e.LIMIT_MESSAGES,
        messageEdits: e.LIMIT_MESSAGE_EDITS,
        readMarkers: e.LIMIT_READ_MARKERS,
        reactions: e.LIMIT_REACTIONS,
        typing: e.LIMIT_TYPING,
        lookups: e.LIMIT_LOOKUPS,
        conversationsCreated: e.LIMIT_CONVERSATIONS_CREATED,
        membersAdded: e.LIMIT_MEMBERS_ADDED,
        membersRemoved: e.LIMIT_MEMBERS_REMOVED,
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
    http: {
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT,
      maxRequestsPerSocket: e.HTTP_MAX_REQUESTS_PER_SOCKET,
    },
    wsHeartbeatMs: e.WS_HEARTBEAT_MS,
    sessionTokenTtlSeconds: e.SESSION_TOKEN_TTL_SECONDS,
    sessionTokenCacheSize: e.SESSION_TOKEN_CACHE_SIZE,
    busProbeMs: e.BUS_PROBE_MS,
    mfa: {
      challengeTtlMs: e.MFA_CHALLENGE_TTL,
      challengeAttempts: e.MFA_CHALLENGE_ATTEMPTS,
      reauthMaxAgeMs: e.REAUTH_MAX_AGE,
    },
    passwords: {
      pwnedPasswordsUrl: e.PWNED_PASSWORDS_URL === '' ? undefined : e.PWNED_PASSWORDS_URL,
      pwnedPasswordsTimeoutMs: e.PWNED_PASSWORDS_TIMEOUT,
    },
    newDeviceWindowMs: e.NEW_DEVICE_WINDOW,
  });
}
