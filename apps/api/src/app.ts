import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { DB } from './db/schema.js';
import { loggerOptions } from './logger.js';
import { attachmentsRoutes } from './modules/attachments/attachments.routes.js';
import { OrphanSweeper } from './modules/attachments/orphan-sweeper.js';
import type { AuthDeps } from './modules/auth/auth.context.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { authenticate } from './modules/auth/session.service.js';
import type { ConversationDeps } from './modules/conversations/conversation.service.js';
import { conversationsRoutes } from './modules/conversations/conversations.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import type { MessageDeps } from './modules/messages/message.service.js';
import { MessageWriter } from './modules/messages/message-writer.js';
import { messagesRoutes } from './modules/messages/messages.routes.js';
import { realtimeRoutes } from './modules/realtime/realtime.routes.js';
import { sessionsRoutes } from './modules/sessions/sessions.routes.js';
import { meRoutes } from './modules/users/me.routes.js';
import type { BlobStore } from './platform/blobs/blob-store.js';
import { channels } from './platform/bus/event-bus.js';
import { type CheckLimit, type Limiter, limitChecker } from './platform/limits/limiter.js';
import type { Platform } from './platform/platform.js';
import { authPlugin } from './plugins/auth.plugin.js';
import { docsPlugin } from './plugins/docs.plugin.js';
import { errorsPlugin } from './plugins/errors.plugin.js';
import { rateLimitPlugin } from './plugins/rate-limit.plugin.js';
import { securityPlugin } from './plugins/security.plugin.js';
import { spaPlugin } from './plugins/spa.plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Kysely<DB>;
    messaging: MessageDeps & ConversationDeps;
    blobs: BlobStore;
    authDeps: AuthDeps;
    /** The limiter itself, for concurrency caps (open WebSockets). */
    limiter: Limiter;
    /** Counts one hit of a rate outside HTTP (WebSocket frames); the same counters as `app.limit`. */
    checkLimit: CheckLimit;
    /** Every route as registered (method and URL), for the authorization matrix and docs. */
    routeTable: { method: string; url: string }[];
  }
}

/**
 * Timeouts against slow and idle clients (slowloris). Node checks the header and request deadlines every
 * `connectionsCheckingInterval`, 30 s by default: a quarter of the headers deadline keeps the check
 * within 25 % of it. Headers must arrive within a minute even when whole requests may take longer.
 */
function httpTimeouts(http: Config['http']) {
  const headersTimeout = Math.min(60_000, http.requestTimeoutMs);
  return {
    connectionTimeout: http.connectionTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    maxRequestsPerSocket: http.maxRequestsPerSocket,
    http: {
      requestTimeout: http.requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4))),
    },
  };
}

/** Fastify takes a hop count as a function: trust the nearest `hops` proxies, no further. */
function trustProxyOption(value: Config['trustProxy']) {
  if (typeof value === 'number') return (_address: string, hop: number) => hop < value;
  return typeof value === 'boolean' ? value : [...value];
}

export interface AppDeps {
  config: Config;
  database: Database;
  platform: Platform;
  /** The clock; tests move it to expire tokens and sessions. */
  now?: () => Date;
  /** Log destination; stdout when omitted. */
  logStream?: DestinationStream;
}

/**
 * Composes the whole server: external plugins, then app plugins, then routes. `main.ts` boots it;
 * tests call it directly and use `app.inject`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const app = Fastify({
    logger: loggerOptions({ level: config.logLevel, ...(deps.logStream ? { stream: deps.logStream } : {}) }),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.bodyLimit,
    // Our own ids only: a client-chosen id could forge or collide with another request's log lines.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    ...httpTimeouts(config.http),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', config);
  app.decorate('db', database.db);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // On close, responses still in flight end their keep-alive connection; otherwise an idle socket
  // would hold the server open until the keep-alive timeout, far past the shutdown grace period.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  const now = deps.now ?? (() => new Date());
  const { bus } = deps.platform;
  const authDeps: AuthDeps = {
    db: database.db,
    tokens: deps.platform.tokens,
    mail: deps.platform.mail,
    publicUrl: config.publicUrl,
    now,
    mailNoticeIntervalMs: config.mailNoticeIntervalMs,
    bus,
    sessionTokenTtlSeconds: config.sessionTokenTtlSeconds,
  };
  // A signing key that leaves the active_session keyring (noticed at this instance's next load of it)
  // takes its tokens' sockets with it on every instance, like any other session end.
  const stopWatchingKeys = deps.platform.tokens.onKeysRetired((purpose, kids) => {
    if (purpose === 'active_session')
      bus.publish(channels.sessions, { kind: 'signing_keys_retired', kids: [...kids] });
  });
  app.addHook('onClose', async () => stopWatchingKeys());
  // SQLite has one writer; MySQL group-commits a few concurrent batch transactions.
  const writer = new MessageWriter(database.db, now, database.kind === 'mysql' ? 4 : 1);
  const limits = {
    maxConversationsPerUser: config.maxConversationsPerUser,
    maxGroupMembers: config.maxGroupMembers,
  };
  app.decorate('messaging', { db: database.db, bus, writer, now, limits });
  app.decorate('blobs', deps.platform.blobs);
  app.addHook('preClose', async () => {
    await writer.close();
  });
  // Uploads no message used are removed by every listening instance (claims keep them from colliding);
  // apps that only serve `inject` (most tests) never start it.
  const sweeper = new OrphanSweeper({
    db: database.db,
    blobs: deps.platform.blobs,
    now,
    orphanTtlMs: config.uploads.orphanTtlMs,
    intervalMs: config.uploads.sweepIntervalMs,
    log: app.log.child({ component: 'upload-sweeper' }),
  });
  app.addHook('onListen', async () => {
    sweeper.start();
  });
  app.addHook('preClose', async () => {
    await sweeper.stop();
  });

  await app.register(errorsPlugin);
  await app.register(securityPlugin, { config });
  await app.register(docsPlugin);
  const checkLimit = limitChecker(deps.platform.limiter, config.limits.rates);
  app.decorate('limiter', deps.platform.limiter);
  app.decorate('checkLimit', checkLimit);
  app.decorate('authDeps', authDeps);
  await app.register(rateLimitPlugin, { check: checkLimit });
  await app.register(authPlugin, { config, authenticate: (token) => authenticate(authDeps, token) });

  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(authRoutes);
      await api.register(meRoutes);
      await api.register(sessionsRoutes);
      await api.register(conversationsRoutes);
      await api.register(messagesRoutes);
      await api.register(attachmentsRoutes);
      await api.register(realtimeRoutes);
      api.get('/docs', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );

  await app.register(spaPlugin, { webDistDir: config.webDistDir });
  return app;
}
