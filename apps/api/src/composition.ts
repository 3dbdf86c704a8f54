import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { createFastify, type HttpServices, registerHttp } from './app.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { prepareDatabase } from './db/prepare.js';
import type { AttachmentDeps } from './modules/attachments/attachment.service.js';
import { OrphanSweeper } from './modules/attachments/orphan-sweeper.js';
import type { AuthDeps } from './modules/auth/auth.context.js';
import { warmPasswordHasher } from './modules/auth/passwords/password-hasher.js';
import { preloadPasswordPolicy } from './modules/auth/passwords/password-policy.js';
import { authenticate } from './modules/auth/session.service.js';
import { createSessionCheck } from './modules/auth/session-check.js';
import { MessageWriter } from './modules/messages/message-writer.js';
import { EmailNotifier } from './modules/notifications/email-notifier.js';
import { Presence } from './modules/presence/presence.service.js';
import type { Connection } from './modules/realtime/connection.js';
import { RealtimeLimits } from './modules/realtime/realtime.limits.js';
import { SessionRegistry } from './modules/realtime/session-registry.js';
import { channels } from './platform/bus/event-bus.js';
import { limitChecker, limitRefunder } from './platform/limits/limiter.js';
import {
  createPlatform,
  openDatabase,
  type Platform,
  type PlatformLog,
  type PlatformOverrides,
} from './platform/platform.js';

/**
 * The composition root: the one place where Parley's objects are built and wired. It opens the
 * database, picks the platform adapters (platform.ts), builds the module services and hands each route
 * plugin what it needs (app.ts registers them). `main.ts` only boots what this returns; tests build the
 * very same server over their own database and adapters.
 */

export interface ServerOptions {
  config: Config;
  /** An open database (tests); otherwise one is opened from the config and destroyed when the app closes. */
  database?: Database;
  /** Adapters to use instead of the configured ones (tests: mailer, blobs, keyrings). */
  platform?: PlatformOverrides;
  /** Where the platform logs before and beside the app's own logger (Redis health, keyring reloads). */
  platformLog: PlatformLog;
  /** The clock; tests move it to expire tokens and sessions. */
  now?: () => Date;
  /** Log destination; stdout when omitted. */
  logStream?: DestinationStream;
}

export interface Server {
  readonly app: FastifyInstance;
  readonly database: Database;
  readonly platform: Platform;
  /** Presence, for wiring the notification settings' visibility change (`presenceVisibilityChanged`). */
  readonly presence: Presence;
  /** Boot work before listening: migrations if configured, the MFA key, then warming the password checks. */
  prepare(): Promise<void>;
}

export async function createServer(options: ServerOptions): Promise<Server> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const database = options.database ?? openDatabase(config);
  const platform = await createPlatform(config, options.platformLog, {
    ...options.platform,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = createFastify({ config, ...(options.logStream ? { logStream: options.logStream } : {}) });
  const { db } = database;
  const { bus, tokens, blobs, metrics } = platform;

  // Every refused rate, HTTP or WebSocket, is counted by its name (parley_rate_limited_total).
  const checkLimit = limitChecker(platform.limiter, config.limits.rates, metrics);
  const auth: AuthDeps = {
    db,
    tokens,
    mail: platform.mail,
    publicUrl: config.publicUrl,
    now,
    mailNoticeIntervalMs: config.mailNoticeIntervalMs,
    bus,
    sessionTokenTtlSeconds: config.sessionTokenTtlSeconds,
    mfa: platform.mfa,
    mfaConfig: config.mfa,
    checkLimit,
    breaches: platform.breaches,
    newDeviceWindowMs: config.newDeviceWindowMs,
    sessionCheck: createSessionCheck({
      db,
      tokens,
      now,
      tokenCacheSize: config.sessionTokenCacheSize,
      // SQLite answers one statement at a time anyway.
      maxQueriesInFlight: database.kind === 'mysql' ? 2 : 1,
    }),
  };
  // A signing key that leaves the active_session keyring (noticed at this instance's next load of it)
  // takes its tokens' sockets with it on every instance, like any other session end.
  const stopWatchingKeys = tokens.onKeysRetired((purpose, kids) => {
    if (purpose === 'active_session')
      bus.publish(channels.sessions, { kind: 'signing_keys_retired', kids: [...kids] });
  });
  app.addHook('onClose', async () => stopWatchingKeys());

  // SQLite has one writer; MySQL group-commits a few concurrent batch transactions.
  const writer = new MessageWriter(
    db,
    now,
    database.kind === 'mysql' ? config.messageWriteConcurrency : 1,
    metrics,
    database.writer,
  );
  const messaging: HttpServices['messaging'] = {
    db,
    bus,
    writer,
    now,
    limits: {
      maxConversationsPerUser: config.maxConversationsPerUser,
      maxGroupMembers: config.maxGroupMembers,
    },
  };
  app.addHook('preClose', async () => {
    await writer.close();
  });

  const { uploads } = config;
  const attachments: AttachmentDeps = {
    db,
    blobs,
    maxBytes: config.attachmentMaxBytes,
    limits: {
      bytes: uploads.bytes,
      quotaBytes: uploads.quotaBytes,
      progress: { windowMs: uploads.idleTimeoutMs, minBytesPerSecond: uploads.minBytesPerSecond },
    },
    now,
    log: app.log,
  };
  // Uploads no message used are removed by every listening instance (claims keep them from colliding);
  // apps that only serve `inject` (most tests) never start it.
  const sweeper = new OrphanSweeper({
    db,
    blobs,
    now,
    orphanTtlMs: uploads.orphanTtlMs,
    intervalMs: uploads.sweepIntervalMs,
    log: app.log.child({ component: 'upload-sweeper' }),
  });
  app.addHook('onListen', async () => {
    sweeper.start();
  });
  app.addHook('preClose', async () => {
    await sweeper.stop();
  });

  // Emails to people who are away, from every listening instance (claims keep them from colliding).
  const notifier = new EmailNotifier({
    db,
    mail: platform.mail,
    limiter: platform.limiter,
    links: platform.links,
    publicUrl: config.publicUrl,
    config: config.notifyEmail,
    intervalMs: config.notifyEmail.intervalMs,
    now,
    log: app.log.child({ component: 'email-notifier' }),
  });
  app.addHook('onListen', async () => {
    notifier.start();
  });
  app.addHook('preClose', async () => {
    await notifier.stop();
  });

  // Every instance hears every session end on the bus and closes its own sockets of that session.
  const sessions = new SessionRegistry<Connection>(bus, app.log);
  app.addHook('onClose', async () => sessions.close());

  // Online/away/offline from every instance's sockets (the store is shared in Redis when configured).
  const presence = new Presence({
    db,
    bus,
    store: platform.presence,
    now: () => now().getTime(),
    log: app.log.child({ component: 'presence' }),
    refreshMs: config.wsHeartbeatMs,
    // Often enough that "offline" follows the grace period closely; at most once a second.
    sweepMs: Math.min(1_000, Math.max(50, Math.floor(config.presenceGraceMs / 4))),
  });
  app.addHook('onListen', async () => presence.start());
  app.addHook('preClose', async () => presence.stop());

  await registerHttp(app, config, {
    db,
    redis: platform.redis,
    metrics,
    poolStats: database.poolStats,
    authenticate: (token) => authenticate(auth, token),
    checkLimit,
    refundLimit: limitRefunder(platform.limiter, config.limits.rates),
    auth,
    messaging,
    attachments,
    realtime: {
      auth,
      messaging,
      presence,
      limits: new RealtimeLimits(
        platform.limiter,
        checkLimit,
        config.limits,
        () => now().getTime(),
        (limit) => metrics.rateLimited(limit),
      ),
      sessions,
      heartbeatMs: config.wsHeartbeatMs,
      metrics,
    },
    notifications: {
      db,
      bus,
      links: platform.links,
      publicUrl: config.publicUrl,
      now,
      presenceVisibilityChanged: (userId, visible) => presence.visibilityChanged(userId, visible),
    },
  });

  // Last, so they run after everything above let go of the adapters and the database.
  app.addHook('onClose', async () => {
    await platform.close();
    if (!options.database) await database.destroy();
  });

  return {
    app,
    database,
    platform,
    presence,
    async prepare() {
      await prepareDatabase(config, database, app.log);
      await platform.mfa.load();
      preloadPasswordPolicy();
      await warmPasswordHasher();
    },
  };
}
