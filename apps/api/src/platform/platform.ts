import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createDatabase, type Database, readCa } from '../db/database.js';
import { DatabaseSecret, SecretMysqlPool } from '../db/secret-mysql-pool.js';
import type { BlobStore } from './blobs/blob-store.js';
import { createLocalBlobStore } from './blobs/local-blob.store.js';
import { createS3BlobStore } from './blobs/s3-blob.store.js';
import { type BreachedPasswords, createPwnedPasswords } from './breaches/pwned-passwords.js';
import type { EventBus } from './bus/event-bus.js';
import { createLocalEventBus } from './bus/local-event.bus.js';
import { createRedisEventBus } from './bus/redis-event.bus.js';
import type { Limiter } from './limits/limiter.js';
import { createMemoryLimiter } from './limits/memory-limiter.js';
import { createRedisLimiter } from './limits/redis-limiter.js';
import { MailQueue } from './mail/mail-queue.js';
import type { Mailer } from './mail/mailer.js';
import { createOutboxMailer } from './mail/outbox.mailer.js';
import { createSmtpMailer } from './mail/smtp.mailer.js';
import { type FanoutMetrics, Metrics } from './metrics/metrics.js';
import { createMemoryPresenceStore } from './presence/memory-presence.store.js';
import type { PresenceStore, PresenceTiming } from './presence/presence-store.js';
import { createRedisPresenceStore } from './presence/redis-presence.store.js';
import { createAwsKeyringSource } from './secrets/aws-keyring.source.js';
import { createAwsMfaKeySource } from './secrets/aws-mfa-key.source.js';
import { getSecretJson, getSecretString } from './secrets/aws-secret-json.js';
import { LinkSigner } from './secrets/link-signer.js';
import { createLocalKeyringSource } from './secrets/local-keyring.source.js';
import { createLocalMfaKeySource } from './secrets/local-mfa-key.source.js';
import { MfaCipher } from './secrets/mfa-cipher.js';
import type { MfaKeySource } from './secrets/mfa-keys.js';
import { createTokenService } from './tokens/token.service.js';
import type { KeyringSource, TokenService } from './tokens/token.types.js';

export interface PlatformLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The adapters picked from configuration: local defaults, or AWS/production services. */
export interface Platform {
  readonly keyrings: KeyringSource;
  readonly tokens: TokenService;
  /** Seals TOTP secrets and keys recovery-code hashes (the `mfa_encryption` secret). */
  readonly mfa: MfaCipher;
  /** Signs long-lived email links (unsubscribe) with a key derived from the `mfa_encryption` secret. */
  readonly links: LinkSigner;
  readonly mail: MailQueue;
  /** Shared Redis for rate limits and fan-out; undefined keeps both in this process. */
  readonly redis: Redis | undefined;
  /** Real-time fan-out between instances. */
  readonly bus: EventBus;
  /** Rate limits and socket caps: in this process, or shared in Redis. */
  readonly limiter: Limiter;
  /** Who is online: sockets and their leases, in this process or shared in Redis. */
  readonly presence: PresenceStore;
  /** Attachment bytes. */
  readonly blobs: BlobStore;
  /** This app's Prometheus series (served on METRICS_PORT when set). */
  readonly metrics: Metrics;
  /** The breached-password corpus new passwords are checked against (Pwned Passwords, or off). */
  readonly breaches: BreachedPasswords;
  close(): Promise<void>;
}

/** Token audience and issuer: this deployment's public origin. */
export function tokenScope(config: Config): { issuer: string; audience: string } {
  return { issuer: config.publicUrl.origin, audience: `${config.publicUrl.origin}/api` };
}

async function smtpAuth(config: Config, client: SecretsManagerClient | undefined) {
  if (!client || !config.secrets.smtpSecretId) return undefined;
  const secret = await getSecretJson(client, config.secrets.smtpSecretId);
  const { username, password } = secret as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new Error('SMTP secret must be JSON { "username": string, "password": string }');
  }
  return { user: username, pass: password };
}

export interface PlatformOverrides {
  mailer?: Mailer;
  blobs?: BlobStore;
  keyrings?: KeyringSource;
  mfaKeys?: MfaKeySource;
  now?: () => Date;
  /** Where the dev outbox prints each email's framed links; stdout by default. */
  notice?: (text: string) => void;
}

function secretsClient(config: Config): SecretsManagerClient | undefined {
  return config.secrets.source === 'aws'
    ? new SecretsManagerClient(config.secrets.awsRegion ? { region: config.secrets.awsRegion } : {})
    : undefined;
}

/** Outgoing email: SMTP (credentials from Secrets Manager on AWS), or the dev outbox without SMTP_URL. */
export async function createMailQueue(
  config: Config,
  log: PlatformLog,
  client: SecretsManagerClient | undefined = secretsClient(config),
  options: { mailer?: Mailer; notice?: (text: string) => void; metrics?: Metrics } = {},
): Promise<MailQueue> {
  const chosen =
    options.mailer ??
    (config.smtpUrl
      ? createSmtpMailer({ url: config.smtpUrl, from: config.smtpFrom, auth: await smtpAuth(config, client) })
      : createOutboxMailer({
          dir: `${config.dataDir}/outbox`,
          from: config.smtpFrom,
          log,
          ...(options.notice ? { notice: options.notice } : {}),
        }));
  return new MailQueue(chosen, log, options.metrics);
}

/**
 * The application's database: DATABASE_URL, or on AWS the RDS secret, whose username and password are
 * read again whenever connections are (re)opened so rotation needs no restart.
 */
export function openDatabase(
  config: Config,
  client: SecretsManagerClient | undefined = secretsClient(config),
): Database {
  const secretId = config.database.secretId;
  const writerConnections = config.messageWriteConcurrency;
  if (!secretId || !client) return createDatabase(config.database, { writerConnections });
  const secretPool = (options: { connectionLimit?: number; multipleStatements?: boolean }) =>
    new SecretMysqlPool({
      readSecret: async () => DatabaseSecret.parse(await getSecretJson(client, secretId)),
      database: config.database.name ?? 'parley',
      ssl: readCa(config.database.tlsCaFile),
      ...options,
    });
  return createDatabase(config.database, {
    pools: {
      pool: secretPool({}),
      writerPool: secretPool({ connectionLimit: writerConnections, multipleStatements: true }),
    },
  });
}

/** The shared Redis (REDIS_URL, AUTH token from Secrets Manager on AWS), or undefined without one. */
export async function connectRedis(
  config: Config,
  log: PlatformLog,
  client: SecretsManagerClient | undefined = secretsClient(config),
): Promise<Redis | undefined> {
  if (!config.redisUrl) return undefined;
  const password =
    client && config.redisAuthSecretId ? await getSecretString(client, config.redisAuthSecretId) : undefined;
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    ...(password ? { password } : {}),
  });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection problem'));
  return redis;
}

/**
 * A socket's presence lease lasts three heartbeats and is renewed every heartbeat, so a missed renewal or
 * two is harmless while the sockets of an instance that died count as gone within three.
 */
export function presenceTiming(config: Config): PresenceTiming {
  return { leaseMs: 3 * config.wsHeartbeatMs, graceMs: config.presenceGraceMs };
}

/** Fan-out between instances through Redis when there is one, else within this process. */
export function createEventBus(
  config: Config,
  redis: Redis | undefined,
  log: PlatformLog,
  metrics?: FanoutMetrics,
): EventBus {
  return redis
    ? createRedisEventBus(redis, log, { probeIntervalMs: config.busProbeMs, metrics })
    : createLocalEventBus({ metrics });
}

/** Builds every adapter once, in one place, from the configuration. */
export async function createPlatform(
  config: Config,
  log: PlatformLog,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const aws = secretsClient(config);
  const metrics = new Metrics({ processMetrics: config.metrics.port !== undefined });
  const keyrings =
    overrides.keyrings ??
    (aws && config.secrets.keyringSecretIds
      ? createAwsKeyringSource({
          client: aws,
          secretIds: config.secrets.keyringSecretIds,
          onError: (error: unknown) =>
            log.error({ err: error }, 'keyring reload failed; keeping the last good keyring'),
        })
      : createLocalKeyringSource({
          file: config.secrets.file,
          onError: (error: unknown) => log.error({ err: error }, 'local keyring reload failed'),
        }));
  const mfaKeys =
    overrides.mfaKeys ??
    (aws && config.secrets.mfaEncryptionSecretId
      ? createAwsMfaKeySource({
          client: aws,
          secretId: config.secrets.mfaEncryptionSecretId,
          onError: (error: unknown) =>
            log.error({ err: error }, 'MFA key reload failed; keeping the last good keys'),
        })
      : createLocalMfaKeySource({
          file: config.secrets.file,
          onError: (error: unknown) => log.error({ err: error }, 'local MFA key reload failed'),
        }));
  const tokens = createTokenService({
    source: keyrings,
    ...tokenScope(config),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const mail = await createMailQueue(config, log, aws, {
    ...(overrides.mailer ? { mailer: overrides.mailer } : {}),
    ...(overrides.notice ? { notice: overrides.notice } : {}),
    metrics,
  });
  const redis = await connectRedis(config, log, aws);
  const bus = createEventBus(config, redis, log, metrics);
  const clock = overrides.now;
  const limiter = redis
    ? createRedisLimiter(redis, { log })
    : createMemoryLimiter(clock ? () => clock().getTime() : Date.now);
  const presence = redis
    ? createRedisPresenceStore(redis, presenceTiming(config))
    : createMemoryPresenceStore(presenceTiming(config));
  const location = config.blobStore;
  const s3 =
    !overrides.blobs && location.kind === 's3'
      ? new S3Client(config.secrets.awsRegion ? { region: config.secrets.awsRegion } : {})
      : undefined;
  const blobs =
    overrides.blobs ??
    (location.kind === 's3' && s3
      ? createS3BlobStore({ bucket: location.bucket, prefix: location.prefix, client: s3 })
      : createLocalBlobStore({ dir: location.kind === 'local' ? location.dir : `${config.dataDir}/blobs` }));
  const breaches = createPwnedPasswords({
    baseUrl: config.passwords.pwnedPasswordsUrl,
    timeoutMs: config.passwords.pwnedPasswordsTimeoutMs,
    log,
  });
  return {
    keyrings,
    tokens,
    mfa: new MfaCipher(mfaKeys),
    links: new LinkSigner(mfaKeys, overrides.now),
    mail,
    redis,
    bus,
    limiter,
    presence,
    blobs,
    metrics,
    breaches,
    async close() {
      keyrings.close();
      presence.close();
      mfaKeys.close();
      limiter.close();
      await bus.close();
      await blobs.close();
      s3?.destroy();
      await mail.close();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
