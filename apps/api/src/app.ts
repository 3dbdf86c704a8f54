import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import type { SessionAuthenticator } from './http/auth.js';
import { loggerOptions } from './logger.js';
import type { AttachmentDeps } from './modules/attachments/attachment.service.js';
import { attachmentsRoutes } from './modules/attachments/attachments.routes.js';
import { accountSecurityRoutes } from './modules/auth/account-security.routes.js';
import type { AuthDeps } from './modules/auth/auth.context.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { mfaRoutes } from './modules/auth/mfa/mfa.routes.js';
import { passkeyRoutes } from './modules/auth/passkeys/passkeys.routes.js';
import type { ConversationDeps } from './modules/conversations/conversation.service.js';
import { conversationsRoutes } from './modules/conversations/conversations.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import type { MessageDeps } from './modules/messages/message.service.js';
import { messagesRoutes } from './modules/messages/messages.routes.js';
import type { NotificationDeps } from './modules/notifications/notification-settings.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { type RealtimeDeps, realtimeRoutes } from './modules/realtime/realtime.routes.js';
import { SEARCH_TUNING } from './modules/search/message-search.repository.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { sessionsRoutes } from './modules/sessions/sessions.routes.js';
import { meRoutes } from './modules/users/me.routes.js';
import type { CheckLimit, RefundLimit } from './platform/limits/limiter.js';
import type { Metrics, PoolStats } from './platform/metrics/metrics.js';
import { authPlugin } from './plugins/auth.plugin.js';
import { docsPlugin } from './plugins/docs.plugin.js';
import { errorsPlugin } from './plugins/errors.plugin.js';
import { metricsPlugin } from './plugins/metrics.plugin.js';
import { rateLimitPlugin } from './plugins/rate-limit.plugin.js';
import { securityPlugin } from './plugins/security.plugin.js';
import { spaPlugin } from './plugins/spa.plugin.js';
import { traceLogPlugin } from './plugins/trace-log.plugin.js';
import { OneLinePerRequest } from './request-log.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
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

/**
 * The HTTP server Parley is: Fastify's settings and server-wide hooks (here), its plugins and routes
 * (`registerHttp`). The objects behind them are built by the composition root (composition.ts).
 */
export function createFastify(options: { config: Config; logStream?: DestinationStream }): FastifyInstance {
  const { config } = options;
  const app = Fastify({
    logger: loggerOptions({
      level: config.logLevel,
      format: config.logFormat,
      ...(options.logStream ? { stream: options.logStream } : {}),
    }),
    ...(config.logFormat === 'pretty' ? { logController: new OneLinePerRequest() } : {}),
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
  return app;
}

/** What the plugins and routes are given; built by the composition root. */
export interface HttpServices {
  /** The readiness probe's database. */
  readonly db: Kysely<DB>;
  /** The readiness probe's Redis, when this deployment has one (REDIS_URL). */
  readonly redis: { ping(): Promise<unknown> } | undefined;
  /** This app's Prometheus series: HTTP timings recorded here, served on METRICS_PORT. */
  readonly metrics: Metrics;
  /** The database pool's numbers, read at each scrape; none without a pool (SQLite). */
  readonly poolStats: (() => PoolStats | undefined) | undefined;
  /** The auth module's token check, for the auth plugin. */
  readonly authenticate: SessionAuthenticator;
  /** The rate counters, for the rate-limit plugin. */
  readonly checkLimit: CheckLimit;
  /** Gives back hits that did not count (rules with `refundOnSuccess`), for the rate-limit plugin. */
  readonly refundLimit: RefundLimit;
  readonly auth: AuthDeps;
  readonly messaging: MessageDeps & ConversationDeps;
  readonly attachments: AttachmentDeps;
  readonly realtime: RealtimeDeps;
  readonly notifications: NotificationDeps;
}

/** External plugins, then app plugins, then the routes under /api, then the SPA. */
export async function registerHttp(
  app: FastifyInstance,
  config: Config,
  services: HttpServices,
): Promise<void> {
  await app.register(metricsPlugin, {
    metrics: services.metrics,
    listener: config.metrics,
    poolStats: services.poolStats,
  });
  await app.register(traceLogPlugin);
  await app.register(errorsPlugin);
  await app.register(securityPlugin, { config });
  await app.register(docsPlugin);
  await app.register(rateLimitPlugin, { check: services.checkLimit, refund: services.refundLimit });
  await app.register(authPlugin, { config, authenticate: services.authenticate });

  await app.register(
    async (api) => {
      await api.register(healthRoutes, { db: services.db, redis: services.redis });
      await api.register(authRoutes, { deps: services.auth });
      await api.register(meRoutes, { deps: services.auth });
      await api.register(mfaRoutes, { deps: services.auth });
      await api.register(passkeyRoutes, { deps: services.auth });
      await api.register(accountSecurityRoutes, { deps: services.auth });
      await api.register(sessionsRoutes, { deps: services.auth });
      await api.register(conversationsRoutes, { deps: services.messaging });
      await api.register(messagesRoutes, { deps: services.messaging });
      await api.register(attachmentsRoutes, { deps: services.attachments });
      await api.register(searchRoutes, {
        deps: {
          db: services.db,
          tuning: {
            ...SEARCH_TUNING,
            maxScanRows: config.search.scanRows,
            maxIndexDocuments: config.search.indexDocuments,
          },
        },
      });
      await api.register(realtimeRoutes, { deps: services.realtime });
      await api.register(notificationsRoutes, { deps: services.notifications });
      api.get('/docs', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );

  await app.register(spaPlugin, { webDistDir: config.webDistDir });
}
