import websocket from '@fastify/websocket';
import { WS_HEARTBEAT_MS } from '@parley/contract';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { channels } from '../../platform/bus/event-bus.js';
import { sessionCookieName } from '../../plugins/auth.plugin.js';
import { allowedOrigins } from '../../plugins/security.plugin.js';
import { Connection } from './connection.js';
import { RealtimeLimits } from './realtime.limits.js';

/** Largest frame a client may send; a bigger one closes that socket (1009) and nothing else. */
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The WebSocket gateway at /api/ws. Authenticated by the session cookie at the upgrade (Origin must be
 * allowed, so another site cannot ride the cookie) or by a first `auth` frame; never by a query string.
 */
export const realtimeRoutes: FastifyPluginAsync = async (app) => {
  const origins = allowedOrigins(app.config);
  const cookieName = sessionCookieName(app.config);
  const bySession = new Map<string, Set<Connection>>();
  const limits = new RealtimeLimits(app.limiter, app.checkLimit, app.config.limits, () =>
    app.messaging.now().getTime(),
  );

  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  const revoked = app.messaging.bus.subscribe(channels.sessions, (event) => {
    if (event.kind !== 'sessions_revoked') return;
    for (const sessionId of event.sessionIds) {
      for (const connection of bySession.get(sessionId) ?? []) connection.revoke();
    }
  });
  app.addHook('onClose', async () => revoked.unsubscribe());

  const checkOrigin = async (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin))
      throw new AppError('forbidden', 'Cross-origin WebSocket refused');
    if (origin === undefined && request.cookies[cookieName] !== undefined) {
      throw new AppError('forbidden', 'Cross-origin WebSocket refused: Origin header missing');
    }
  };

  app.get('/ws', { websocket: true, onRequest: checkOrigin, schema: { hide: true } }, (socket, request) => {
    const connection = new Connection(
      socket,
      {
        auth: app.authDeps,
        messaging: app.messaging,
        log: request.log,
        limits,
        address: request.ip,
        register: (c) => {
          const id = c.sessionId;
          if (!id) return;
          bySession.set(id, (bySession.get(id) ?? new Set()).add(c));
        },
        unregister: (c) => {
          const id = c.sessionId;
          const set = id ? bySession.get(id) : undefined;
          set?.delete(c);
          if (id && set?.size === 0) bySession.delete(id);
        },
      },
      request.auth,
    );
    // Heartbeat well inside a 60 s load-balancer idle timeout; a peer that misses a pong is gone.
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
      void connection
        .checkSession()
        .catch((error: unknown) => request.log.warn({ err: error }, 'session check failed'));
    }, WS_HEARTBEAT_MS);
    socket.on('close', () => clearInterval(heartbeat));
  });
};
