import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { sessionCookieName } from '../../plugins/auth.plugin.js';
import { allowedOrigins } from '../../plugins/security.plugin.js';
import { Connection } from './connection.js';
import { RealtimeLimits } from './realtime.limits.js';
import { SessionRegistry } from './session-registry.js';

/** Largest frame a client may send; a bigger one closes that socket (1009) and nothing else. */
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The WebSocket gateway at /api/ws. Authenticated by the session cookie at the upgrade (Origin must be
 * allowed, so another site cannot ride the cookie) or by a first `auth` frame; never by a query string.
 */
export const realtimeRoutes: FastifyPluginAsync = async (app) => {
  const origins = allowedOrigins(app.config);
  const cookieName = sessionCookieName(app.config);
  const limits = new RealtimeLimits(app.limiter, app.checkLimit, app.config.limits, () =>
    app.messaging.now().getTime(),
  );
  const heartbeatMs = app.config.wsHeartbeatMs;

  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  // Every instance hears every session end on the bus and closes its own sockets of that session.
  const sessions = new SessionRegistry<Connection>(app.messaging.bus, app.log);
  app.addHook('onClose', async () => sessions.close());

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
        tcp: request.raw.socket,
        register: (c) => sessions.add(c),
        unregister: (c) => sessions.remove(c),
      },
      request.auth,
    );
    // Heartbeat (WS_HEARTBEAT_MS) well inside a 60 s load-balancer idle timeout; a peer that misses a
    // pong is gone. Each beat also re-checks session, signing key and token expiry: the backstop that
    // closes the socket within one heartbeat when the bus missed an end or the token ran out.
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
    }, heartbeatMs);
    socket.on('close', () => clearInterval(heartbeat));
  });
};
