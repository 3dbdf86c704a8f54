import type { BlobStoreLocation } from './platform/blobs/blob-url.js';
import type { Rate } from './platform/limits/rate.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** The shape of the parsed configuration (`loadConfig` in `config.ts` builds it). */
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
  /** PASSKEY_CHALLENGE_TTL: how long a WebAuthn challenge (and the browser's ceremony) stays usable. */
  readonly passkeyChallengeTtlMs: number;
  /** MAX_PASSKEYS_PER_USER: live passkeys one account may have (a new one is refused, 409 `limit_reached`). */
  readonly maxPasskeys: number;
  /**
   * REQUIRE_MFA: every account must have a second factor (authenticator app or passkey); a signed-in
   * account without one can only set one up (403 `mfa_enrollment_required` elsewhere).
   */
  readonly required: boolean;
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
  /** `GET /api/search` per user (each page counts). */
  readonly searches: Rate;
  /** `POST /api/conversations` per user (opening an existing direct conversation counts too). */
  readonly conversationsCreated: Rate;
  readonly membersAdded: Rate;
  /** Removals and leaving, per user. */
  readonly membersRemoved: Rate;
  /** Group renames, role changes and one's own mute/archive settings, per user. */
  readonly conversationChanges: Rate;
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
  readonly search: SearchConfig;
  readonly limits: LimitsConfig;
  readonly uploads: UploadConfig;
  readonly notifyEmail: NotifyEmailConfig;
  readonly http: HttpConfig;
  /** Every WebSocket is pinged this often and its session, token expiry and signing key re-checked. */
  readonly wsHeartbeatMs: number;
  /** Lifetime of an `active_session` token (the inactivity timeout); at most 24 h. */
  readonly sessionTokenTtlSeconds: number;
  /** Session tokens whose verified signature is remembered until they expire (0: verify every request). */
  readonly sessionTokenCacheSize: number;
  /**
   * MESSAGE_WRITE_CONCURRENCY: message batch transactions in flight at once on MySQL (more lets MySQL
   * group-commit several; SQLite has one writer and always uses 1).
   */
  readonly messageWriteConcurrency: number;
  /** With Redis: how often each instance proves the fan-out delivers (a probe published to itself). */
  readonly busProbeMs: number;
  /**
   * A user whose last socket closed keeps their presence (online/away) this long before others see them
   * offline, so a reload or a brief reconnect does not flicker.
   */
  readonly presenceGraceMs: number;
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

/** Email notifications for people who are away (modules/notifications, ADR 0018). */
export interface NotifyEmailConfig {
  /** NOTIFY_EMAIL_DELAY_SECONDS: an unread message emails its reader only once it is this old. */
  readonly delayMs: number;
  /** NOTIFY_EMAIL_REPEAT_AFTER: after an email, nothing more for that conversation until read or this long. */
  readonly repeatAfterMs: number;
  /** NOTIFY_EMAIL_INTERVAL: how often each instance runs the job. */
  readonly intervalMs: number;
  /** NOTIFY_EMAIL_MAX_AGE: messages older than this never start an email (the job looks back this far). */
  readonly maxAgeMs: number;
  /** NOTIFY_UNSUBSCRIBE_LINK_TTL: how long an emailed unsubscribe link works. */
  readonly unsubscribeLinkTtlMs: number;
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

/** Message search on MySQL/MariaDB: how much one `GET /api/search` may read (SQLite's FTS5 needs neither). */
export interface SearchConfig {
  /** SEARCH_SCAN_ROWS: messages read by pattern per request; a page not full by then comes with a cursor. */
  readonly scanRows: number;
  /** SEARCH_INDEX_DOCUMENTS: the FULLTEXT index narrows by a word expected in fewer documents than this. */
  readonly indexDocuments: number;
}
